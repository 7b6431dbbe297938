{
  "schema": "approdo.directory-signature/v1",
  "key": "Z5bPfFTy3ZuhSTvKscLyqW08XFTaO0rLKm1eBQwr2f0=",
  "signature": "iWLPTBiR8GXFsw2+Bx/9on6rjHKH2PO58p5Zt4WQn6b39dL6VJo77q42QYcqN5p5kMYuZ/Ge7EvsF2qOL27nCg=="
}
