//! The Shapeset-3x2 generator against its specification (the module docs of `data::shapeset`).

use experiments::data::shapeset::{label_of, streams, ShapeKind, Shapeset, CLASSES, PRIORS, SIDE};
use experiments::data::BatchSource;

/// Number of 8-connected regions of pixels that differ from the background.
fn foreground_regions(pixels: &[u8], background: u8) -> usize {
    let mut seen = vec![false; pixels.len()];
    let mut regions = 0;
    for start in 0..pixels.len() {
        if seen[start] || pixels[start] == background {
            continue;
        }
        regions += 1;
        let mut stack = vec![start];
        seen[start] = true;
        while let Some(p) = stack.pop() {
            let (y, x) = ((p / SIDE) as isize, (p % SIDE) as isize);
            for (dy, dx) in [(-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1)] {
                let (ny, nx) = (y + dy, x + dx);
                if ny < 0 || nx < 0 || ny >= SIDE as isize || nx >= SIDE as isize {
                    continue;
                }
                let q = ny as usize * SIDE + nx as usize;
                if !seen[q] && pixels[q] != background {
                    seen[q] = true;
                    stack.push(q);
                }
            }
        }
    }
    regions
}

#[test]
fn class_frequencies_match_the_priors() {
    let n = 18_000;
    let data = Shapeset::dataset(n, 2010, streams::TRAIN, "freq");
    let counts = data.class_counts();
    for (class, (&count, &prior)) in counts.iter().zip(PRIORS.iter()).enumerate() {
        let observed = count as f64 / n as f64;
        let standard_error = (prior * (1.0 - prior) / n as f64).sqrt();
        assert!(
            (observed - prior).abs() < 3.0 * standard_error,
            "class {class}: frequency {observed:.4} vs prior {prior:.4} (3 SE = {:.4}); counts {counts:?}",
            3.0 * standard_error
        );
    }
}

#[test]
fn seeds_and_streams_determine_the_images() {
    let images = |seed, stream| {
        let mut generator = Shapeset::new(seed, stream);
        (0..50).map(|_| generator.generate()).collect::<Vec<_>>()
    };
    assert_eq!(images(1, streams::TRAIN), images(1, streams::TRAIN));
    assert_ne!(images(1, streams::TRAIN)[0], images(2, streams::TRAIN)[0]);
    let train: Vec<Vec<u8>> = images(1, streams::TRAIN).into_iter().map(|i| i.pixels).collect();
    let test: Vec<Vec<u8>> = images(1, streams::TEST).into_iter().map(|i| i.pixels).collect();
    assert!(train.iter().all(|t| !test.contains(t)), "training and test streams share an image");
}

#[test]
fn images_are_built_as_specified() {
    let mut generator = Shapeset::new(3, streams::TRAIN);
    let mut single = 0;
    let mut first_shape_visible = 0;
    let mut pairs = 0;
    for _ in 0..2000 {
        let image = generator.generate();
        let kinds: Vec<ShapeKind> = image.shapes.iter().map(|s| s.kind).collect();
        assert!((1..=2).contains(&kinds.len()));
        assert_eq!(image.label, label_of(&kinds));
        assert!(image.label < CLASSES);
        // Grey levels: integers in 0..=114 and 140..=255, shapes on the opposite side of the background.
        let dark = |g: u8| g <= 114;
        let light = |g: u8| g >= 140;
        assert!(dark(image.background) || light(image.background));
        for shape in &image.shapes {
            assert!(dark(shape.grey) != dark(image.background) && (dark(shape.grey) || light(shape.grey)));
            // Inside the image with a one-pixel margin.
            for &(x, y) in &shape.vertices {
                assert!(
                    (1.0 - 1e-9..=SIDE as f64 - 1.0 + 1e-9).contains(&x)
                        && (1.0 - 1e-9..=SIDE as f64 - 1.0 + 1e-9).contains(&y),
                    "vertex ({x}, {y})"
                );
            }
        }
        // Pixels come only from the background and the shapes' levels.
        let allowed: Vec<u8> =
            std::iter::once(image.background).chain(image.shapes.iter().map(|s| s.grey)).collect();
        assert!(image.pixels.iter().all(|p| allowed.contains(p)));
        // [−1, 1] scaling.
        assert!(image.scaled().all(|v| (-1.0..=1.0).contains(&v)));
        if kinds.len() == 1 {
            single += 1;
            assert_eq!(
                foreground_regions(&image.pixels, image.background),
                1,
                "one shape, one region: {:?}",
                image.shapes
            );
        } else {
            pairs += 1;
            if image.pixels.contains(&image.shapes[0].grey) || image.shapes[0].grey == image.shapes[1].grey {
                first_shape_visible += 1;
            }
        }
    }
    assert!(single > 800 && pairs > 800, "{single} single, {pairs} pairs");
    // The overlap heuristic keeps the first shape in view nearly always.
    assert!(first_shape_visible as f64 > 0.97 * pairs as f64, "{first_shape_visible} of {pairs}");
}

#[test]
fn the_stream_serves_batches() {
    let mut stream = Shapeset::new(4, streams::TRAIN);
    let batch = stream.next_batch(10).unwrap();
    assert_eq!(batch.x.shape(), &[10, 1024]);
    assert_eq!(batch.labels.len(), 10);
    assert_eq!((stream.n_features(), stream.classes()), (1024, 9));
    // Pixel statistics of 2,000 images against the reference re-implementation's
    // (the generator's specification: mean −0.019, std 0.615): light-on-dark and dark-on-light balance.
    let x = stream.next_batch(2000).unwrap().x.cast::<f64>();
    let (mean, std) = (x.mean_all(), x.var_all().sqrt());
    assert!(mean.abs() < 0.05 && (std - 0.615).abs() < 0.05, "pixel mean {mean}, std {std}");
}
