//! Procedural sprites with known factors, for disentanglement (notes/disentanglement.md §4.1).
//!
//! Index → image is deterministic (no RNG): the index is a mixed-radix number over the factors
//! shape (3) × hue (6) × scale (4) × x (8) × y (8) × background (4) = 18 432, background fastest.
//! Shapes are anti-aliased by 4×4 supersampling with a box filter.

use burn::data::dataset::Dataset;

/// The six generative factors, in index order (slowest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Factor {
    Shape,
    Hue,
    Scale,
    X,
    Y,
    Background,
}

impl Factor {
    pub const ALL: [Factor; 6] = [Factor::Shape, Factor::Hue, Factor::Scale, Factor::X, Factor::Y, Factor::Background];

    /// Number of values of the factor.
    pub fn cardinality(self) -> usize {
        match self {
            Factor::Shape => 3,
            Factor::Hue => 6,
            Factor::Scale => 4,
            Factor::X | Factor::Y => 8,
            Factor::Background => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Factor::Shape => "shape",
            Factor::Hue => "hue",
            Factor::Scale => "scale",
            Factor::X => "x",
            Factor::Y => "y",
            Factor::Background => "background",
        }
    }
}

/// Shape names by value.
pub const SHAPES: [&str; 3] = ["square", "circle", "triangle"];
/// Half-size of the object as a fraction of the image width, by scale value.
pub const HALF_SIZES: [f64; 4] = [0.14, 0.18, 0.22, 0.26];
/// Background grey levels by value.
pub const BACKGROUNDS: [f64; 4] = [0.0, 0.2, 0.4, 0.6];
const SUPERSAMPLE: usize = 4;
const MARGIN: f64 = 0.02;

/// One sprite: pixels (3×R×R u8) and its six factor values.
#[derive(Debug, Clone, PartialEq)]
pub struct SpriteItem {
    pub pixels: Vec<u8>,
    pub shape: [usize; 3],
    pub factors: [usize; 6],
}

/// The sprite dataset at one resolution, with a choice of which factors are "attributes"
/// (labelled, of interest) and which form the residual.
#[derive(Debug, Clone)]
pub struct Sprites {
    pub resolution: usize,
    pub attributes: Vec<Factor>,
}

impl Default for Sprites {
    /// 32×32; attributes shape, hue and scale; residual x, y and background (config A).
    fn default() -> Self {
        Self { resolution: 32, attributes: vec![Factor::Shape, Factor::Hue, Factor::Scale] }
    }
}

/// Fully saturated, full-value HSV colour of hue `deg` (multiples of 60 are exact).
fn hue_rgb(deg: f64) -> [f64; 3] {
    let h = (deg / 60.0).rem_euclid(6.0);
    let x = 1.0 - (h % 2.0 - 1.0).abs();
    match h as usize {
        0 => [1.0, x, 0.0],
        1 => [x, 1.0, 0.0],
        2 => [0.0, 1.0, x],
        3 => [0.0, x, 1.0],
        4 => [x, 0.0, 1.0],
        _ => [1.0, 0.0, x],
    }
}

/// Whether the point (u, v) (image coordinates in [0, 1], v down) is inside the shape.
fn inside(shape: usize, u: f64, v: f64, cx: f64, cy: f64, s: f64) -> bool {
    let (dx, dy) = (u - cx, v - cy);
    match shape {
        0 => dx.abs() <= s && dy.abs() <= s,
        1 => dx * dx + dy * dy <= s * s,
        _ => {
            // Equilateral triangle inscribed in the circle of radius s, apex up.
            let h = s * 1.5; // apex at cy − s, base at cy + s/2
            let top = cy - s;
            let t = (v - top) / h; // 0 at apex, 1 at base
            // The base half-width of a triangle inscribed in radius s is s·√3/2.
            (0.0..=1.0).contains(&t) && dx.abs() <= t * s * 3f64.sqrt() / 2.0
        }
    }
}

impl Sprites {
    /// Total number of images (18 432).
    pub fn count() -> usize {
        Factor::ALL.iter().map(|f| f.cardinality()).product()
    }

    /// Factor values of an index (mixed radix, background fastest).
    pub fn factors(index: usize) -> [usize; 6] {
        let mut rest = index;
        let mut out = [0; 6];
        for (i, f) in Factor::ALL.iter().enumerate().rev() {
            out[i] = rest % f.cardinality();
            rest /= f.cardinality();
        }
        out
    }

    /// Index of a factor combination.
    pub fn index(factors: [usize; 6]) -> usize {
        Factor::ALL.iter().zip(factors).fold(0, |acc, (f, v)| acc * f.cardinality() + v)
    }

    /// Object centre (fraction of the width) for position value `p` of 8: the largest object
    /// stays a margin inside the frame.
    pub fn position(p: usize) -> f64 {
        let lo = HALF_SIZES[3] + MARGIN;
        lo + (1.0 - 2.0 * lo) * p as f64 / 7.0
    }

    /// Renders an image deterministically.
    pub fn render(&self, index: usize) -> SpriteItem {
        let f = Self::factors(index);
        let r = self.resolution;
        let (shape, colour, s) = (f[0], hue_rgb(60.0 * f[1] as f64), HALF_SIZES[f[2]]);
        let (cx, cy, bg) = (Self::position(f[3]), Self::position(f[4]), BACKGROUNDS[f[5]]);
        let mut pixels = vec![0u8; 3 * r * r];
        let n = SUPERSAMPLE * SUPERSAMPLE;
        for py in 0..r {
            for px in 0..r {
                let mut hits = 0;
                for sy in 0..SUPERSAMPLE {
                    for sx in 0..SUPERSAMPLE {
                        let u = (px as f64 + (sx as f64 + 0.5) / SUPERSAMPLE as f64) / r as f64;
                        let v = (py as f64 + (sy as f64 + 0.5) / SUPERSAMPLE as f64) / r as f64;
                        hits += inside(shape, u, v, cx, cy, s) as usize;
                    }
                }
                let a = hits as f64 / n as f64;
                for c in 0..3 {
                    let val = a * colour[c] + (1.0 - a) * bg;
                    pixels[c * r * r + py * r + px] = (val * 255.0).round() as u8;
                }
            }
        }
        SpriteItem { pixels, shape: [3, r, r], factors: f }
    }

    /// Values of the attribute factors of an image, in `self.attributes` order.
    pub fn attribute_values(&self, factors: &[usize; 6]) -> Vec<usize> {
        self.attributes.iter().map(|a| factors[Factor::ALL.iter().position(|f| f == a).unwrap()]).collect()
    }

    /// The residual factors (all factors that are not attributes).
    pub fn residual_factors(&self) -> Vec<Factor> {
        Factor::ALL.iter().copied().filter(|f| !self.attributes.contains(f)).collect()
    }

    /// The factor table as CSV: `index,shape,hue,scale,x,y,background`.
    pub fn factor_table_csv() -> String {
        let mut out = String::from("index,shape,hue,scale,x,y,background\n");
        for i in 0..Self::count() {
            let f = Self::factors(i);
            out.push_str(&format!("{i},{},{},{},{},{},{}\n", f[0], f[1], f[2], f[3], f[4], f[5]));
        }
        out
    }
}

impl Dataset<SpriteItem, crate::DataError> for Sprites {
    fn get(&self, index: usize) -> Result<SpriteItem, crate::DataError> {
        assert!(index < Self::count(), "sprite index {index} out of range (18 432 images)");
        Ok(self.render(index))
    }

    fn len(&self) -> usize {
        Self::count()
    }
}
