//! Shapeset-3x2, the paper's synthetic data set, re-implemented from Xavier
//! Glorot's generator (GB10 sec. 4): 32×32 grey images of one or two shapes —
//! triangle, parallelogram, ellipse (a 20-gon) — with random proportions,
//! rotation, position and grey level; nine classes for the combination present.
//!
//! The geometry follows the original step by step (regular n-gon of radius ½,
//! shape-randomising pre-rotation, anisotropic scale, base-restoring rotation,
//! global rotation, translation with a one-pixel margin, the overlap-rejection
//! heuristic). It is statistically, not pixel-, identical: the random stream is
//! ChaCha8 rather than NumPy's, and a polygon covers the pixels whose centre lies
//! inside it plus its outline drawn as Bresenham lines (pygame fills scanlines
//! and draws the outline too; both keep thin slivers connected). Images are stored row-major
//! (`[y][x]`), where the original flattened pygame's `[x][y]` arrays.

use std::f64::consts::PI;

use tensor::TensorRng;

use super::dataset::{Batch, BatchSource, Dataset, SourceState};

/// Image side in pixels.
pub const SIDE: usize = 32;
/// Number of classes.
pub const CLASSES: usize = 9;
/// Class names, by label.
pub const CLASS_NAMES: [&str; CLASSES] = [
    "triangle",
    "parallelogram",
    "ellipse",
    "triangle + parallelogram",
    "parallelogram + ellipse",
    "triangle + ellipse",
    "two triangles",
    "two parallelograms",
    "two ellipses",
];
/// Class priors when no image gives up on its second shape: 1/6 for single
/// shapes, 1/9 for mixed pairs, 1/18 for same-type pairs.
pub const PRIORS: [f64; CLASSES] =
    [1. / 6., 1. / 6., 1. / 6., 1. / 9., 1. / 9., 1. / 9., 1. / 18., 1. / 18., 1. / 18.];

/// Angular resolution of rotations (`rotation_resolution` in the original).
const RESOLUTION: usize = 255;
/// Scale range, as a fraction of the image side.
const SCALE: (f64, f64) = (0.2, 0.8);
/// Grey levels of dark and light things: randint(0, 0.45·255 + 1) and randint(0.55·255, 255 + 1).
const DARK: (u8, u8) = (0, 114);
const LIGHT: (u8, u8) = (140, 255);
/// A second shape may cover at most this fraction of the first (by the heuristic).
const OVERLAP_MAX: f64 = 0.5;
/// Rejections allowed per image before it is emitted with the shapes placed so far.
const REJECTION_MAX: usize = 50;

/// The three shape kinds, as polygons of 3, 4 and 20 vertices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShapeKind {
    /// A general triangle (affine image of an equilateral one).
    Triangle,
    /// A parallelogram (affine image of a square).
    Parallelogram,
    /// An ellipse, drawn as a 20-gon (affine image of a regular one).
    Ellipse,
}

impl ShapeKind {
    fn vertex_count(self) -> usize {
        match self {
            ShapeKind::Triangle => 3,
            ShapeKind::Parallelogram => 4,
            ShapeKind::Ellipse => 20,
        }
    }
}

/// What the generator put in an image.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapeRecord {
    /// Which shape.
    pub kind: ShapeKind,
    /// Its grey level.
    pub grey: u8,
    /// Its vertices in pixel coordinates (x, y).
    pub vertices: Vec<(f64, f64)>,
}

/// One generated image with everything known about it.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapesetImage {
    /// Grey levels, row-major 32×32.
    pub pixels: Vec<u8>,
    /// The background's grey level.
    pub background: u8,
    /// The shapes in drawing order (the second may cover part of the first).
    pub shapes: Vec<ShapeRecord>,
    /// The class of the combination of shapes present.
    pub label: usize,
}

impl ShapesetImage {
    /// Pixels scaled to [−1, 1] (v/255·2 − 1), the paper's input.
    pub fn scaled(&self) -> impl Iterator<Item = f32> + '_ {
        self.pixels.iter().map(|&v| v as f32 / 255.0 * 2.0 - 1.0)
    }
}

/// The class of a set of shapes (step 14 of the generator's specification, this module's docs).
pub fn label_of(kinds: &[ShapeKind]) -> usize {
    use ShapeKind::*;
    match kinds {
        [Triangle] => 0,
        [Parallelogram] => 1,
        [Ellipse] => 2,
        [Triangle, Parallelogram] | [Parallelogram, Triangle] => 3,
        [Parallelogram, Ellipse] | [Ellipse, Parallelogram] => 4,
        [Triangle, Ellipse] | [Ellipse, Triangle] => 5,
        [Triangle, Triangle] => 6,
        [Parallelogram, Parallelogram] => 7,
        [Ellipse, Ellipse] => 8,
        _ => unreachable!("an image holds one or two shapes"),
    }
}

/// A seeded Shapeset-3x2 generator: an endless stream of fresh images.
///
/// ```
/// use experiments::data::shapeset::Shapeset;
/// let mut a = Shapeset::new(7, 0);
/// let mut b = Shapeset::new(7, 0);
/// assert_eq!(a.generate(), b.generate()); // same seed and stream, same images
/// ```
#[derive(Debug, Clone)]
pub struct Shapeset {
    rng: TensorRng,
}

/// The independent streams of one seed: training draws never meet the fixed
/// validation or test sets.
pub mod streams {
    /// The online training stream.
    pub const TRAIN: u64 = 0;
    /// The fixed validation set.
    pub const VALIDATION: u64 = 1;
    /// The fixed test set (and the paper's 300 probe examples).
    pub const TEST: u64 = 2;
}

impl Shapeset {
    /// A generator for stream `stream` of `seed` (see [`streams`]).
    pub fn new(seed: u64, stream: u64) -> Self {
        Shapeset { rng: TensorRng::with_stream(seed, stream) }
    }

    /// A fixed data set of `count` images from stream `stream` of `seed`.
    pub fn dataset(count: usize, seed: u64, stream: u64, name: &str) -> Dataset {
        let mut generator = Shapeset::new(seed, stream);
        let mut features = Vec::with_capacity(count * SIDE * SIDE);
        let mut labels = Vec::with_capacity(count);
        for _ in 0..count {
            let image = generator.generate();
            features.extend(image.scaled());
            labels.push(image.label);
        }
        Dataset { name: name.to_string(), features, labels, n_features: SIDE * SIDE, classes: CLASSES }
    }

    fn randint(&mut self, low: usize, high_exclusive: usize) -> usize {
        low + self.rng.below(high_exclusive - low)
    }

    fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.rng.unit()
    }

    fn grey(&mut self, (low, high): (u8, u8)) -> u8 {
        self.randint(low as usize, high as usize + 1) as u8
    }

    /// Draws one image.
    pub fn generate(&mut self) -> ShapesetImage {
        // 1–2. Light shapes on a dark background or the reverse; one or two shapes.
        let light_shapes = self.rng.unit() < 0.5;
        let (foreground, background_range) = if light_shapes { (LIGHT, DARK) } else { (DARK, LIGHT) };
        let wanted = self.randint(1, 3);
        let background = self.grey(background_range);
        let mut shapes: Vec<Placed> = vec![];
        let mut rejections = 0;
        'shapes: for _ in 0..wanted {
            let kind =
                [ShapeKind::Triangle, ShapeKind::Parallelogram, ShapeKind::Ellipse][self.randint(0, 3)];
            let rotations = self.rotations(kind.vertex_count());
            loop {
                let candidate = self.place(kind, rotations);
                match shapes.first() {
                    Some(first) if too_much_overlap(first, &candidate) => {
                        rejections += 1;
                        if rejections >= REJECTION_MAX {
                            break 'shapes; // emitted with the shapes placed so far
                        }
                    }
                    _ => {
                        let grey = self.grey(foreground);
                        shapes.push(Placed { grey, ..candidate });
                        break;
                    }
                }
            }
        }
        let pixels = render(background, &shapes);
        let kinds: Vec<ShapeKind> = shapes.iter().map(|s| s.kind).collect();
        ShapesetImage {
            pixels,
            background,
            label: label_of(&kinds),
            shapes: shapes
                .into_iter()
                .map(|s| ShapeRecord { kind: s.kind, grey: s.grey, vertices: s.vertices })
                .collect(),
        }
    }

    /// Steps 5–6: the shape-randomising pre-rotation θ₁ (drawn as an index so it
    /// falls in about [−π/n, π/n)) and the global rotation θ₃; kept through rejections.
    fn rotations(&mut self, n: usize) -> Rotations {
        let r = RESOLUTION;
        let mut index1 = self.randint(0, r / n);
        if index1 > (r - 1) / (2 * n) {
            index1 = (r - (r - 1) / n + index1).min(r - 1);
        }
        let index3 = self.randint(0, r - 1);
        let step = 2.0 * PI / r as f64;
        Rotations { theta1: index1 as f64 * step, theta1_is_zero: index1 == 0, theta3: index3 as f64 * step }
    }

    /// Steps 4 and 7–10: scale, rotate and translate a regular n-gon of radius ½.
    fn place(&mut self, kind: ShapeKind, rot: Rotations) -> Placed {
        let side = SIDE as f64;
        let n = kind.vertex_count();
        let (a, b) = (self.uniform(SCALE.0, SCALE.1) * side, self.uniform(SCALE.0, SCALE.1) * side);
        let (s0, s1) = if a >= b { (a, b) } else { (b, a) };
        let theta2 = if rot.theta1_is_zero { 0.0 } else { -((s1 / s0) * rot.theta1.tan()).atan() };
        let mut vertices: Vec<(f64, f64)> = (0..n)
            .map(|t| {
                let angle = 2.0 * PI * (t as f64 / n as f64 + 1.0 / (2.0 * n as f64) + 0.25);
                let p = rotate((0.5 * angle.cos(), 0.5 * angle.sin()), rot.theta1);
                rotate(rotate((p.0 * s0, p.1 * s1), theta2), rot.theta3)
            })
            .collect();
        // Translation, x then y: the shape lies inside the image with a ≥ 1 px margin.
        let mut centre = [0.0; 2];
        for (axis, c) in centre.iter_mut().enumerate() {
            let coords = vertices.iter().map(|v| if axis == 0 { v.0 } else { v.1 });
            let (min, max) =
                coords.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v), hi.max(v)));
            let (lo, hi) = ((min - 1.0) / side, (max + 1.0) / side);
            *c = self.uniform((-lo).max(0.0), (1.0 - hi).min(1.0)) * side;
        }
        for v in &mut vertices {
            v.0 += centre[0];
            v.1 += centre[1];
        }
        Placed { kind, grey: 0, vertices, centre: (centre[0], centre[1]), scale: (s0, s1) }
    }
}

impl BatchSource for Shapeset {
    /// Fresh images every time: the paper's online setting, where no example is seen twice.
    fn next_batch(&mut self, batch_size: usize) -> Option<Batch<f32>> {
        let mut x = Vec::with_capacity(batch_size * SIDE * SIDE);
        let mut labels = Vec::with_capacity(batch_size);
        for _ in 0..batch_size {
            let image = self.generate();
            x.extend(image.scaled());
            labels.push(image.label);
        }
        Some(Batch { x: tensor::Tensor::from_vec(x, &[batch_size, SIDE * SIDE]), labels })
    }

    fn n_features(&self) -> usize {
        SIDE * SIDE
    }

    fn classes(&self) -> usize {
        CLASSES
    }

    fn state(&self) -> SourceState {
        SourceState::Generator(self.rng.position().into())
    }

    fn restore(&mut self, state: &SourceState) -> Result<(), String> {
        let SourceState::Generator(position) = state else {
            return Err(
                "the checkpoint is of minibatches over a data set, not of the Shapeset generator".into()
            );
        };
        self.rng = TensorRng::at_position(&position.into());
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
struct Rotations {
    theta1: f64,
    theta1_is_zero: bool,
    theta3: f64,
}

#[derive(Debug, Clone)]
struct Placed {
    kind: ShapeKind,
    grey: u8,
    vertices: Vec<(f64, f64)>,
    centre: (f64, f64),
    scale: (f64, f64),
}

/// A row vector times Rot(θ) = [[cos θ, sin θ], [−sin θ, cos θ]].
fn rotate((x, y): (f64, f64), theta: f64) -> (f64, f64) {
    let (s, c) = theta.sin_cos();
    (x * c - y * s, x * s + y * c)
}

/// Area of a regular n-gon relative to its circumscribed circle.
fn area_ratio(n: usize) -> f64 {
    n as f64 * (2.0 * PI / n as f64).sin() / (2.0 * PI)
}

/// Step 11, the original's overlap heuristic: how far the two shapes reach
/// towards each other along the line between their centres, turned into an
/// estimated covered fraction of the first shape.
fn too_much_overlap(old: &Placed, new: &Placed) -> bool {
    let (dx, dy) = (new.centre.0 - old.centre.0, new.centre.1 - old.centre.1);
    let d = (dx * dx + dy * dy).sqrt();
    if d == 0.0 {
        return true;
    }
    let (ux, uy) = (dx / d, dy / d);
    let reach = |shape: &Placed, sign: f64| {
        shape
            .vertices
            .iter()
            .map(|v| sign * ((v.0 - shape.centre.0) * ux + (v.1 - shape.centre.1) * uy))
            .fold(f64::NEG_INFINITY, f64::max)
    };
    let p = reach(old, 1.0) + reach(new, -1.0);
    if p < d {
        return false;
    }
    let covered = 1.0 - (-(p - d) * 2f64.ln() / d).exp();
    let overlap = (new.scale.0 * new.scale.1 * area_ratio(new.vertices.len()) * covered)
        / (old.scale.0 * old.scale.1 * area_ratio(old.vertices.len()));
    overlap > OVERLAP_MAX
}

/// Step 13: fill the background, then each polygon in order (no anti-aliasing):
/// a pixel takes a shape's grey when its centre lies inside the shape or the
/// shape's outline passes through it.
fn render(background: u8, shapes: &[Placed]) -> Vec<u8> {
    let mut pixels = vec![background; SIDE * SIDE];
    for shape in shapes {
        let corners = &shape.vertices;
        for (i, &a) in corners.iter().enumerate() {
            let b = corners[(i + 1) % corners.len()];
            draw_line(&mut pixels, pixel_of(a), pixel_of(b), shape.grey);
        }
        let (min_y, max_y) = shape
            .vertices
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v.1), hi.max(v.1)));
        let (min_x, max_x) = shape
            .vertices
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| (lo.min(v.0), hi.max(v.0)));
        let rows = (min_y.floor().max(0.0) as usize)..(max_y.ceil().min(SIDE as f64) as usize);
        for y in rows {
            let cols = (min_x.floor().max(0.0) as usize)..(max_x.ceil().min(SIDE as f64) as usize);
            for x in cols {
                if contains(&shape.vertices, (x as f64 + 0.5, y as f64 + 0.5)) {
                    pixels[y * SIDE + x] = shape.grey;
                }
            }
        }
    }
    pixels
}

/// The pixel (column, row) a point falls in, clamped to the image.
fn pixel_of((x, y): (f64, f64)) -> (i64, i64) {
    let clamp = |v: f64| (v.floor() as i64).clamp(0, SIDE as i64 - 1);
    (clamp(x), clamp(y))
}

/// Bresenham's line between two pixels (8-connected, both ends included).
fn draw_line(pixels: &mut [u8], (mut x, mut y): (i64, i64), (x1, y1): (i64, i64), grey: u8) {
    let (dx, dy) = ((x1 - x).abs(), -(y1 - y).abs());
    let (sx, sy) = ((x1 - x).signum(), (y1 - y).signum());
    let mut err = dx + dy;
    loop {
        pixels[y as usize * SIDE + x as usize] = grey;
        if x == x1 && y == y1 {
            return;
        }
        let e2 = 2 * err;
        if e2 >= dy {
            err += dy;
            x += sx;
        }
        if e2 <= dx {
            err += dx;
            y += sy;
        }
    }
}

/// Even–odd rule: a ray from `p` crosses the polygon's edges an odd number of times.
fn contains(vertices: &[(f64, f64)], p: (f64, f64)) -> bool {
    let mut inside = false;
    let mut j = vertices.len() - 1;
    for i in 0..vertices.len() {
        let (a, b) = (vertices[i], vertices[j]);
        if (a.1 > p.1) != (b.1 > p.1) && p.0 < (b.0 - a.0) * (p.1 - a.1) / (b.1 - a.1) + a.0 {
            inside = !inside;
        }
        j = i;
    }
    inside
}
