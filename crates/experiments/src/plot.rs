//! Line charts drawn like the paper's figures, written as SVG and PNG with plotters.
//! Histograms are drawn as the paper does: one normalized-frequency curve per layer.

use std::path::Path;

use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One curve, optionally with a symmetric error bar at each point.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// Legend text.
    pub label: String,
    /// (x, y) points.
    pub points: Vec<(f64, f64)>,
    /// Half-height of an error bar at each point (e.g. one standard deviation).
    pub error: Option<Vec<f64>>,
    /// Draw dashed (a second family of curves in the same chart).
    pub dashed: bool,
    /// Palette index (default: the line's position), so related curves can share a colour.
    pub colour: Option<usize>,
}

impl Line {
    /// A plain curve.
    pub fn new(label: impl Into<String>, points: Vec<(f64, f64)>) -> Self {
        Line { label: label.into(), points, error: None, dashed: false, colour: None }
    }
}

/// A chart of several curves.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    /// Title.
    pub title: String,
    /// X-axis label.
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// The curves.
    pub lines: Vec<Line>,
    /// Logarithmic y axis.
    pub log_y: bool,
}

impl Chart {
    /// An empty chart.
    pub fn new(title: impl Into<String>, x_label: &str, y_label: &str) -> Self {
        Chart {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            lines: vec![],
            log_y: false,
        }
    }
}

const COLOURS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(23, 190, 207),
];

/// Draws `$what` with the backend-generic function `$draw` into `dir/stem.svg`
/// and `dir/stem.png` (a macro because the two backends are different types).
macro_rules! svg_and_png {
    ($draw:ident, $what:expr, $dir:expr, $stem:expr, $size:expr) => {{
        let svg = $dir.join(format!("{}.svg", $stem));
        let png = $dir.join(format!("{}.png", $stem));
        $draw($what, SVGBackend::new(&svg, $size).into_drawing_area())
            .map_err(|e| format!("{}: {e}", svg.display()))?;
        $draw($what, BitMapBackend::new(&png, $size).into_drawing_area())
            .map_err(|e| format!("{}: {e}", png.display()))
    }};
}

/// Writes `dir/stem.svg` and `dir/stem.png`. Returns an error message if drawing
/// failed (for example when no font is available for the PNG's text).
pub fn save(chart: &Chart, dir: &Path, stem: &str) -> Result<(), String> {
    svg_and_png!(draw, chart, dir, stem, (800, 500))
}

fn bounds(chart: &Chart) -> ((f64, f64), (f64, f64)) {
    let mut x = (f64::INFINITY, f64::NEG_INFINITY);
    let mut y = (f64::INFINITY, f64::NEG_INFINITY);
    for line in &chart.lines {
        for (i, &(px, py)) in line.points.iter().enumerate() {
            let e = line.error.as_ref().map_or(0.0, |e| e[i]);
            if !(px.is_finite() && py.is_finite()) || (chart.log_y && py - e <= 0.0 && py <= 0.0) {
                continue;
            }
            x = (x.0.min(px), x.1.max(px));
            let low = if chart.log_y { py } else { py - e };
            y = (y.0.min(low), y.1.max(py + e));
        }
    }
    if !x.0.is_finite() {
        return ((0.0, 1.0), (0.0, 1.0));
    }
    let widen = |(lo, hi): (f64, f64)| if hi > lo { (lo, hi) } else { (lo - 0.5, hi + 0.5) };
    let (x, mut y) = (widen(x), widen(y));
    if !chart.log_y {
        let pad = 0.05 * (y.1 - y.0);
        y = (y.0 - pad, y.1 + pad);
    }
    (x, y)
}

/// Converts any drawing error into its message.
fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

fn draw<DB: DrawingBackend>(chart: &Chart, root: DrawingArea<DB, Shift>) -> Result<(), String> {
    root.fill(&WHITE).map_err(text)?;
    let ((x0, x1), (y0, y1)) = bounds(chart);
    let mut builder = ChartBuilder::on(&root);
    builder.caption(&chart.title, ("sans-serif", 20)).margin(12).x_label_area_size(40).y_label_area_size(70);
    if chart.log_y {
        let mut c =
            builder.build_cartesian_2d(x0..x1, (y0.max(1e-12)..y1.max(1e-11)).log_scale()).map_err(text)?;
        axes_series_legend(chart, &mut c)?;
    } else {
        let mut c = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(text)?;
        axes_series_legend(chart, &mut c)?;
    }
    root.present().map_err(text)
}

/// Axes with their labels, the curves, and the legend, on either kind of y axis.
fn axes_series_legend<'a, DB, X, Y>(
    chart: &Chart,
    c: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
) -> Result<(), String>
where
    DB: DrawingBackend + 'a,
    X: Ranged<ValueType = f64> + ValueFormatter<f64>,
    Y: Ranged<ValueType = f64> + ValueFormatter<f64>,
{
    c.configure_mesh().x_desc(&chart.x_label).y_desc(&chart.y_label).draw().map_err(text)?;
    series(chart, c)?;
    c.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(text)
}

fn series<DB, X, Y>(chart: &Chart, c: &mut ChartContext<'_, DB, Cartesian2d<X, Y>>) -> Result<(), String>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    for (i, line) in chart.lines.iter().enumerate() {
        let colour = COLOURS[line.colour.unwrap_or(i) % COLOURS.len()];
        let points: Vec<(f64, f64)> = line
            .points
            .iter()
            .copied()
            .filter(|(x, y)| x.is_finite() && y.is_finite() && (!chart.log_y || *y > 0.0))
            .collect();
        let style = colour.stroke_width(2);
        let drawn = if line.dashed {
            c.draw_series(DashedLineSeries::new(points.clone(), 6, 4, style)).map_err(text)?
        } else {
            c.draw_series(LineSeries::new(points.clone(), style)).map_err(text)?
        };
        drawn
            .label(line.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
        c.draw_series(points.iter().map(|&p| Circle::new(p, 2, colour.filled()))).map_err(text)?;
        if let Some(errors) = &line.error {
            let bars = line
                .points
                .iter()
                .zip(errors)
                .filter(|((x, y), e)| x.is_finite() && y.is_finite() && e.is_finite());
            c.draw_series(bars.map(|(&(x, y), &e)| {
                let low = if chart.log_y { y.max(1e-12) } else { y - e };
                ErrorBar::new_vertical(x, low, y, y + e, colour.stroke_width(1), 6)
            }))
            .map_err(text)?;
        }
    }
    Ok(())
}

/// A grid of values drawn as coloured cells (dark blue low, yellow high).
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Title.
    pub title: String,
    /// X-axis label.
    pub x_label: String,
    /// Y-axis label.
    pub y_label: String,
    /// Cell centres along x.
    pub xs: Vec<f64>,
    /// Cell centres along y.
    pub ys: Vec<f64>,
    /// `values[j][i]` at (`xs[i]`, `ys[j]`).
    pub values: Vec<Vec<f64>>,
}

/// Writes a heatmap as `dir/stem.svg` and `dir/stem.png`.
pub fn save_heatmap(map: &Heatmap, dir: &Path, stem: &str) -> Result<(), String> {
    svg_and_png!(draw_heatmap, map, dir, stem, (640, 560))
}

fn draw_heatmap<DB: DrawingBackend>(map: &Heatmap, root: DrawingArea<DB, Shift>) -> Result<(), String> {
    root.fill(&WHITE).map_err(text)?;
    let half = |v: &[f64]| if v.len() > 1 { (v[1] - v[0]) / 2.0 } else { 0.5 };
    let (hx, hy) = (half(&map.xs), half(&map.ys));
    let (x0, x1) = (map.xs[0] - hx, map.xs[map.xs.len() - 1] + hx);
    let (y0, y1) = (map.ys[0] - hy, map.ys[map.ys.len() - 1] + hy);
    let finite = map.values.iter().flatten().copied().filter(|v| v.is_finite());
    let (low, high) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    let mut c = ChartBuilder::on(&root)
        .caption(&map.title, ("sans-serif", 20))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(text)?;
    c.configure_mesh().x_desc(&map.x_label).y_desc(&map.y_label).draw().map_err(text)?;
    let colour = |v: f64| {
        let t = if high > low { ((v - low) / (high - low)).clamp(0.0, 1.0) } else { 0.0 };
        RGBColor((30.0 + 225.0 * t) as u8, (30.0 + 200.0 * t) as u8, (120.0 * (1.0 - t)) as u8)
    };
    let cells = map
        .ys
        .iter()
        .enumerate()
        .flat_map(|(j, &y)| map.xs.iter().enumerate().map(move |(i, &x)| (x, y, map.values[j][i])));
    c.draw_series(
        cells.map(|(x, y, v)| Rectangle::new([(x - hx, y - hy), (x + hx, y + hy)], colour(v).filled())),
    )
    .map_err(text)?;
    root.present().map_err(text)
}
