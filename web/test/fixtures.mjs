// Shared test inputs (also used by tests/browser).

/** A small JPEG whose APP1 segment carries GPS tags, plus a comment, around image data. */
export function jpegWithGps() {
  const seg = (marker, payload) => [0xff, marker, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload];
  const exif = [...Buffer.from("Exif\0\0MM\0*GPSLatitude 45.4642 N GPSLongitude 9.19 E")];
  return new Uint8Array([
    0xff, 0xd8,
    ...seg(0xe0, [...Buffer.from("JFIF\0"), 1, 1, 0, 0, 1, 0, 1, 0, 0]),
    ...seg(0xe1, exif),
    ...seg(0xfe, [...Buffer.from("taken at home")]),
    ...seg(0xdb, Array(65).fill(1)),
    0xff, 0xda, 0, 8, 1, 1, 0, 0, 0x3f, 0, 0x12, 0x34, 0x56, 0xff, 0xd9,
  ]);
}

