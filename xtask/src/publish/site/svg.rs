//! Charts drawn in Rust as SVG, so that every chart reads without JavaScript (and in a
//! screen reader, beside its data table). Hand-written rather than plotters: a chart
//! here is a few lines with their bands, two axes and a legend, and plotters would
//! bring font rendering and a drawing backend for that.
//!
//! Each line is thinned to at most [`MAX_POINTS`] points (the median of each equal
//! slice of the x range), so that the page stays small whatever the history's length;
//! the interactive chart and the downloads hold every point.

use std::fmt::Write as _;

use super::escape::xml_text;
use crate::record::summary::median;

/// Points drawn per line at most.
pub const MAX_POINTS: usize = 80;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// One line of a chart: (x, value, low, high) per point, in x order.
#[derive(Debug, Clone)]
pub struct SvgLine {
    pub label: String,
    pub color: &'static str,
    pub points: Vec<(f64, f64, f64, f64)>,
}

/// A chart to draw.
#[derive(Debug, Clone)]
pub struct SvgChart {
    /// Said by the SVG's title, for screen readers.
    pub title: String,
    pub unit: &'static str,
    /// A log y axis (ratios), else linear from 0.
    pub log: bool,
    /// A horizontal reference line (1 for a ratio).
    pub reference: Option<f64>,
    /// Labels along x, at their x.
    pub x_labels: Vec<(f64, String)>,
    pub lines: Vec<SvgLine>,
}

/// Colours of Rust's lines, Go's and the ratios', light enough for a dark page and
/// dark enough for a light one.
pub const RUST: [&str; 4] = ["#c2410c", "#ea8a4a", "#9a3412", "#f2b07a"];
pub const GO: [&str; 4] = ["#0e7490", "#38a3b8", "#155e75", "#7cc7d6"];
pub const RATIO: [&str; 4] = ["#7c3aed", "#a078f0", "#5b21b6", "#c4b0f5"];

/// Ticks from 0 at a round step (1, 2 or 5 times a power of ten), four or five of them
/// up to `high`.
fn round_ticks(high: f64) -> Vec<f64> {
    if !high.is_finite() || high <= 0.0 {
        return vec![0.0];
    }
    let rough = high / 4.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|step| high / step <= 5.0)
        .unwrap_or(10.0 * magnitude);
    (0..)
        .map(|i| i as f64 * step)
        .take_while(|y| *y <= high * (1.0 + 1e-9))
        .collect()
}

/// The median of each of `MAX_POINTS` equal slices of the x range.
fn thin(points: &[(f64, f64, f64, f64)]) -> Vec<(f64, f64, f64, f64)> {
    if points.len() <= MAX_POINTS {
        return points.to_vec();
    }
    let (first, last) = (points[0].0, points[points.len() - 1].0);
    let width = (last - first).max(1.0) / MAX_POINTS as f64;
    let mut out = Vec::new();
    let mut start = 0;
    while start < points.len() {
        let slice_of = |x: f64| ((x - first) / width).floor().min((MAX_POINTS - 1) as f64);
        let slice = slice_of(points[start].0);
        let end = points[start..]
            .iter()
            .position(|p| slice_of(p.0) > slice)
            .map_or(points.len(), |offset| start + offset);
        let bucket = &points[start..end];
        let column =
            |f: fn(&(f64, f64, f64, f64)) -> f64| median(&bucket.iter().map(f).collect::<Vec<_>>());
        out.push((
            column(|p| p.0),
            column(|p| p.1),
            column(|p| p.2),
            column(|p| p.3),
        ));
        start = end;
    }
    out
}

/// A value with its unit, short: `310 ns`, `1.2 µs`, `12.5 MiB`, `0.93×`.
pub fn quantity(value: f64, unit: &str) -> String {
    let (scaled, suffix) = match unit {
        "ns" => match value.abs() {
            v if v >= 1e9 => (value / 1e9, "s"),
            v if v >= 1e6 => (value / 1e6, "ms"),
            v if v >= 1e3 => (value / 1e3, "µs"),
            _ => (value, "ns"),
        },
        "bytes" => match value.abs() {
            v if v >= 1073741824.0 => (value / 1073741824.0, "GiB"),
            v if v >= 1048576.0 => (value / 1048576.0, "MiB"),
            v if v >= 1024.0 => (value / 1024.0, "KiB"),
            _ => (value, "B"),
        },
        _ => (value, "×"),
    };
    let digits = if scaled.abs() >= 100.0 {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else if scaled.abs() >= 1.0 {
        2
    } else {
        3
    };
    let separator = if suffix == "×" { "" } else { " " };
    format!("{scaled:.digits$}{separator}{suffix}")
}

/// Draws `chart`; an empty chart is a box that says so.
pub fn render(chart: &SvgChart) -> String {
    let lines: Vec<SvgLine> = chart
        .lines
        .iter()
        .map(|line| SvgLine {
            points: thin(&line.points)
                .into_iter()
                .filter(|p| p.1.is_finite() && (!chart.log || p.2 > 0.0))
                .collect(),
            ..line.clone()
        })
        .filter(|line| !line.points.is_empty())
        .collect();
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart-svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" xmlns="http://www.w3.org/2000/svg"><title>{}</title>"#,
        xml_text(&chart.title),
        xml_text(&chart.title)
    );
    if lines.is_empty() {
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle" fill="currentColor">no data</text></svg>"#,
            WIDTH / 2.0,
            HEIGHT / 2.0
        );
        return svg;
    }
    let xs = lines.iter().flat_map(|l| l.points.iter().map(|p| p.0));
    let (x_min, x_max) = xs.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let ys: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().flat_map(|p| [p.2, p.3, p.1]))
        .chain(chart.reference)
        .filter(|y| y.is_finite() && (!chart.log || *y > 0.0))
        .collect();
    let (y_low, y_high) = ys
        .iter()
        .fold((f64::MAX, f64::MIN), |(lo, hi), y| (lo.min(*y), hi.max(*y)));
    let (y_min, y_max) = if chart.log {
        let pad = (y_high / y_low).ln().max(0.02) * 0.05;
        ((y_low.ln() - pad).exp(), (y_high.ln() + pad).exp())
    } else {
        (0.0, y_high * 1.05)
    };
    let scale_y = |y: f64| {
        let fraction = if chart.log {
            (y.ln() - y_min.ln()) / (y_max.ln() - y_min.ln()).max(1e-12)
        } else {
            (y - y_min) / (y_max - y_min).max(1e-300)
        };
        HEIGHT - BOTTOM - fraction * (HEIGHT - TOP - BOTTOM)
    };
    let scale_x = |x: f64| {
        let fraction = if x_max > x_min {
            (x - x_min) / (x_max - x_min)
        } else {
            0.5
        };
        LEFT + fraction * (WIDTH - LEFT - RIGHT)
    };
    // Axes and ticks.
    let _ = write!(
        svg,
        r#"<g class="axis" stroke="currentColor" stroke-opacity="0.35" fill="currentColor" font-size="11"><line x1="{LEFT}" y1="{}" x2="{}" y2="{}"/>"#,
        HEIGHT - BOTTOM,
        WIDTH - RIGHT,
        HEIGHT - BOTTOM
    );
    let ticks: Vec<f64> = if chart.log {
        (0..=4)
            .map(|step| (y_min.ln() + (y_max.ln() - y_min.ln()) * step as f64 / 4.0).exp())
            .collect()
    } else {
        round_ticks(y_max)
    };
    for y in ticks {
        let py = scale_y(y);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{py:.0}" x2="{}" y2="{py:.0}" stroke-dasharray="2 4"/><text x="{}" y="{:.0}" text-anchor="end" stroke="none">{}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            py + 4.0,
            xml_text(&quantity(y, chart.unit))
        );
    }
    // Labels wider than the room between them are left out, counting from the newest,
    // and the outermost ones are kept inside the picture.
    let width_of = |label: &str| label.chars().count() as f64 * 6.2;
    let mut kept_left = f64::INFINITY;
    for (x, label) in chart.x_labels.iter().rev() {
        let (px, half) = (scale_x(*x), width_of(label) / 2.0);
        if px + half + 4.0 > kept_left {
            continue;
        }
        let (anchor, at) = if px + half > WIDTH {
            ("end", WIDTH)
        } else if px - half < 0.0 {
            ("start", 0.0)
        } else {
            ("middle", px)
        };
        kept_left = match anchor {
            "end" => WIDTH - 2.0 * half,
            "start" => 0.0,
            _ => px - half,
        };
        let _ = write!(
            svg,
            r#"<text x="{at:.0}" y="{}" text-anchor="{anchor}" stroke="none">{}</text>"#,
            HEIGHT - 8.0,
            xml_text(label)
        );
    }
    svg.push_str("</g>");
    if let Some(reference) = chart.reference {
        let py = scale_y(reference);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{py:.0}" x2="{}" y2="{py:.0}" stroke="currentColor" stroke-opacity="0.7"/>"#,
            WIDTH - RIGHT
        );
    }
    for line in &lines {
        let mut band = String::new();
        for p in &line.points {
            let _ = write!(band, "{:.0},{:.0} ", scale_x(p.0), scale_y(p.3));
        }
        for p in line.points.iter().rev() {
            let _ = write!(band, "{:.0},{:.0} ", scale_x(p.0), scale_y(p.2));
        }
        let mut path = String::new();
        for p in &line.points {
            let _ = write!(path, "{:.0},{:.0} ", scale_x(p.0), scale_y(p.1));
        }
        let _ = write!(
            svg,
            r#"<g><title>{}</title><polygon points="{}" fill="{}" fill-opacity="0.18"/><polyline points="{}" fill="none" stroke="{}" stroke-width="1.5"/></g>"#,
            xml_text(&line.label),
            band.trim_end(),
            line.color,
            path.trim_end(),
            line.color
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_numbers_from_zero() {
        assert_eq!(round_ticks(0.45), [0.0, 0.1, 0.2, 0.30000000000000004, 0.4]);
        assert_eq!(round_ticks(105.0), [0.0, 25.0, 50.0, 75.0, 100.0]);
        assert_eq!(round_ticks(13.0), [0.0, 5.0, 10.0]);
        assert_eq!(round_ticks(0.0), [0.0]);
        assert_eq!(round_ticks(f64::NAN), [0.0]);
    }

    fn chart(points: usize) -> SvgChart {
        SvgChart {
            title: "sum <time> & \"more\"".into(),
            unit: "ns",
            log: false,
            reference: None,
            x_labels: vec![(0.0, "2026-11-01".into())],
            lines: vec![SvgLine {
                label: "iter · rust-1.95.0".into(),
                color: RUST[0],
                points: (0..points)
                    .map(|i| (i as f64, 0.3 + i as f64 * 1e-5, 0.29, 0.31))
                    .collect(),
            }],
        }
    }

    #[test]
    fn a_long_line_is_thinned_and_text_is_escaped() {
        let svg = render(&chart(10_000));
        let points = svg
            .split("<polyline points=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .split(' ')
            .count();
        assert!(points <= MAX_POINTS, "{points}");
        assert!(svg.len() < 12_000, "{}", svg.len());
        assert!(svg.contains("sum &lt;time&gt; &amp; &quot;more&quot;"));
        assert!(!svg.contains("<time>"));
        assert!(render(&SvgChart {
            lines: vec![],
            ..chart(0)
        })
        .contains("no data"));
    }

    #[test]
    fn quantities_carry_their_unit() {
        assert_eq!(quantity(310.4, "ns"), "310 ns");
        assert_eq!(quantity(1234.0, "ns"), "1.23 µs");
        assert_eq!(quantity(12.5 * 1048576.0, "bytes"), "12.5 MiB");
        assert_eq!(quantity(0.934, "rust/go"), "0.934×");
    }
}
