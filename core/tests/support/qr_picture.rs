//! QR codes as a screen shows them and a camera reads them, for the screen-to-camera test and
//! bench: the frames are decoded from these pictures, never from their text.

/// A QR code drawn dark on white, `scale` pixels a module, with the quiet zone scanners need:
/// the picture's side, its grey pixels, and the code's width in modules.
pub fn picture(text: &str, scale: usize) -> (usize, Vec<u8>, usize) {
    let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::L).unwrap();
    let n = code.width();
    let side = (n + 8) * scale;
    let mut pixels = vec![255u8; side * side];
    for (i, c) in code.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x0, y0) = ((i % n + 4) * scale, (i / n + 4) * scale);
            for y in y0..y0 + scale {
                pixels[y * side + x0..y * side + x0 + scale].fill(0);
            }
        }
    }
    (side, pixels, n)
}

/// What a camera reads off a picture.
pub fn read(side: usize, pixels: &[u8]) -> Vec<String> {
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(side, side, |x, y| pixels[y * side + x]);
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}
