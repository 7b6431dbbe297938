{
  "schema": "approdo.directory-signature/v1",
  "key": "Z5bPfFTy3ZuhSTvKscLyqW08XFTaO0rLKm1eBQwr2f0=",
  "signature": "lcIKH0s6R9foQenGv0gQ3xKsGdaSpynQQ35+9fEz6t19x7mL5WIsWL02DOo6XoS2QPQSXhEn3PQpBzOUUug7CQ=="
}
