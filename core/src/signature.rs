//! A signature drawn with a finger, as the SVG image both phones attach to a record: one path
//! per stroke, coordinates in the pad's pixels to a tenth. One writer, so the same strokes make
//! the same bytes (and the same SHA-256) on Android and on iOS.

/// A point on the signing pad, in its pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "ffi", derive(uniffi::Record))]
pub struct PadPoint {
    pub x: f64,
    pub y: f64,
}

/// The strokes as an SVG of the pad's size; a stroke of one point (a tap) draws nothing.
pub fn svg(strokes: &[Vec<PadPoint>], width: u32, height: u32) -> String {
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" fill=\"none\" stroke=\"#000\" \
         stroke-width=\"3\" stroke-linecap=\"round\" stroke-linejoin=\"round\">"
    );
    for line in strokes.iter().filter(|l| l.len() > 1) {
        out.push_str("<path d=\"");
        for (i, p) in line.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            let (x, y) = (finite(p.x), finite(p.y));
            out.push_str(&format!("{}{x:.1} {y:.1}", if i == 0 { 'M' } else { 'L' }));
        }
        out.push_str("\"/>");
    }
    out.push_str("</svg>");
    out
}

/// A coordinate a screen cannot give (NaN, infinite) is drawn at 0 rather than written as
/// text no SVG reader takes.
fn finite(v: f64) -> f64 {
    if v.is_finite() {
        v
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strokes_become_paths_and_taps_draw_nothing() {
        let p = |x, y| PadPoint { x, y };
        let s = svg(&[vec![p(1.0, 2.25), p(3.06, 4.0)], vec![p(9.0, 9.0)]], 600, 200);
        assert_eq!(
            s,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 600 200\" fill=\"none\" stroke=\"#000\" \
             stroke-width=\"3\" stroke-linecap=\"round\" stroke-linejoin=\"round\"><path d=\"M1.0 2.2 L3.1 4.0\"/></svg>"
        );
        assert!(!svg(&[vec![p(f64::NAN, 1.0), p(2.0, 2.0)]], 10, 10).contains("NaN"));
    }
}
