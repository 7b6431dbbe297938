{
  "schema": "approdo.directory-signature/v1",
  "key": "Z5bPfFTy3ZuhSTvKscLyqW08XFTaO0rLKm1eBQwr2f0=",
  "signature": "+CumPZdLCtw+MGrxKsRTeN2vUC3rJV4huRii8ynyj4YbbCx4+zfRciaIHOWadByaMMFQFtCCvhp25r+d1Sz5CQ=="
}
