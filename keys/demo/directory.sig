{
  "schema": "approdo.directory-signature/v1",
  "key": "Z5bPfFTy3ZuhSTvKscLyqW08XFTaO0rLKm1eBQwr2f0=",
  "signature": "Tkm+/TVX4rYPeuv/X8q37OWmBWwdG4n59Wvp81DGtEFaAN3HWxhsZYxkaXtw0QdmJBdcnbPkIfsvES6/J6AQBw=="
}
