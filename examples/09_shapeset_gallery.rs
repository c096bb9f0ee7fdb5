//! Lesson 9 — a gallery of Shapeset-3x2, like the paper's Fig. 1: one row per class, eight
//! samples each, drawn by the built-in generator and written as a PNG.
//!
//! Run: `cargo run --example 09_shapeset_gallery -- [output.png] [seed]`
//! (default `shapeset_gallery.png`, seed 2010).

use experiments::data::shapeset::{streams, Shapeset, CLASSES, CLASS_NAMES, SIDE};
use image::{GrayImage, Luma};

const PER_CLASS: usize = 8;
const ZOOM: usize = 3;
const GAP: usize = 4;

pub fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let output = args.next().unwrap_or_else(|| "shapeset_gallery.png".into());
    let seed: u64 = args.next().map(|s| s.parse()).transpose()?.unwrap_or(2010);
    run(&output, seed)
}

/// Draws the gallery with generator seed `seed` and writes it to `output`.
pub fn run(output: &str, seed: u64) -> Result<(), Box<dyn std::error::Error>> {
    // Draw until every class has its row.
    let mut generator = Shapeset::new(seed, streams::TRAIN);
    let mut rows: Vec<Vec<Vec<u8>>> = vec![vec![]; CLASSES];
    while rows.iter().any(|r| r.len() < PER_CLASS) {
        let image = generator.generate();
        if rows[image.label].len() < PER_CLASS {
            rows[image.label].push(image.pixels);
        }
    }

    let cell = SIDE * ZOOM + GAP;
    let mut canvas =
        GrayImage::from_pixel((PER_CLASS * cell + GAP) as u32, (CLASSES * cell + GAP) as u32, Luma([60]));
    for (class, row) in rows.iter().enumerate() {
        for (column, pixels) in row.iter().enumerate() {
            let (left, top) = (GAP + column * cell, GAP + class * cell);
            for y in 0..SIDE * ZOOM {
                for x in 0..SIDE * ZOOM {
                    let grey = pixels[(y / ZOOM) * SIDE + x / ZOOM];
                    canvas.put_pixel((left + x) as u32, (top + y) as u32, Luma([grey]));
                }
            }
        }
        println!("row {class}: {}", CLASS_NAMES[class]);
    }
    canvas.save(output)?;
    println!("wrote {output} ({} classes × {PER_CLASS} samples, seed {seed})", CLASSES);
    Ok(())
}
