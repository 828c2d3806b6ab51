//! The scene laid out in layers by layout-rs and drawn as SVG by [`Canvas`], a
//! drawing backend of our own: layout-rs's writer names a Times font and paints
//! arrowheads with `context-stroke`, which the PNG renderer does not draw, and
//! this one adds the heading, a legend and the critical path's colour.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use layout::core::base::Orientation;
use layout::core::color::Color;
use layout::core::format::{ClipHandle, RenderBackend};
use layout::core::geometry::Point;
use layout::core::style::{LineStyleKind, StyleAttr};
use layout::std_shapes::shapes::{Arrow, Element, LineEndKind, ShapeKind};
use layout::topo::layout::VisualGraph;

use super::{Look, Scene};

/// The font the picture names; `png.rs` bundles it.
pub(super) const FONT_FAMILY: &str = "DejaVu Sans";
/// The size labels are drawn at.
const FONT_SIZE: f64 = 13.0;
/// The font size layout-rs is told (it sizes arrow labels with it; there are none).
const LAYOUT_FONT_SIZE: usize = 13;
const LINE_HEIGHT: f64 = FONT_SIZE * 1.3;
const HEADING_HEIGHT: f64 = 36.0;
const LEGEND_HEIGHT: f64 = 34.0;
const MARGIN: f64 = 12.0;
/// About how wide one character of a label is (DejaVu Sans averages a little
/// over half an em), to size boxes, the heading and the legend.
const CHAR_WIDTH: f64 = FONT_SIZE * 0.62;
/// Room around a box's text.
const BOX_PADDING: Point = Point { x: 20.0, y: 14.0 };
const TEXT_COLOUR: &str = "#111827";
const EDGE_COLOUR: &str = "#6b7280";
const CRITICAL_COLOUR: &str = "#dc2626";
/// Marks the arrows of the critical path for [`Canvas::draw_arrow`].
const CRITICAL: &str = "critical";

/// The scene as an SVG document.
pub(super) fn draw(scene: &Scene) -> String {
    let mut canvas = Canvas::default();
    if !scene.nodes.is_empty() {
        let mut graph = VisualGraph::new(Orientation::TopToBottom);
        let mut handles = BTreeMap::new();
        for node in &scene.nodes {
            let label = node.label();
            let critical = scene.is_critical(node.key);
            let element = Element::create(
                ShapeKind::new_box(&label),
                box_style(node.look, critical),
                Orientation::TopToBottom,
                box_size(&label),
            );
            handles.insert(node.key, graph.add_node(element));
        }
        for (waiting, blocker) in &scene.edges {
            let (Some(from), Some(to)) = (handles.get(blocker), handles.get(waiting)) else {
                continue;
            };
            graph.add_edge(
                arrow(scene.is_critical_edge(*waiting, *blocker)),
                *from,
                *to,
            );
        }
        for more in &scene.more {
            let Some(at) = handles.get(&more.key).copied() else {
                continue;
            };
            let label = if more.waiting {
                format!("+{} more waiting", more.count)
            } else {
                format!("+{} more blockers", more.count)
            };
            let element = Element::create(
                ShapeKind::new_box(&label),
                StyleAttr::new(
                    colour("#9ca3af"),
                    1,
                    Some(colour("#ffffff")),
                    8,
                    LAYOUT_FONT_SIZE,
                ),
                Orientation::TopToBottom,
                box_size(&label),
            );
            let extra = graph.add_node(element);
            let mut dashed = arrow(false);
            dashed.line_style = LineStyleKind::Dashed;
            if more.waiting {
                graph.add_edge(dashed, at, extra);
            } else {
                graph.add_edge(dashed, extra, at);
            }
        }
        graph.do_it(false, false, false, &mut canvas);
    }
    canvas.finish(scene)
}

/// The box that fits `label` (layout-rs leaves a box the size it is given).
fn box_size(label: &str) -> Point {
    let longest = label.lines().map(|l| l.chars().count()).max().unwrap_or(1);
    let lines = label.lines().count().max(1);
    Point::new(
        longest as f64 * CHAR_WIDTH + BOX_PADDING.x,
        lines as f64 * LINE_HEIGHT + BOX_PADDING.y,
    )
}

fn colour(web: &str) -> Color {
    Color::from_name(web).unwrap_or_else(|| Color::fast("black"))
}

fn box_style(look: Look, critical: bool) -> StyleAttr {
    let (fill, border) = look.colours();
    let (border, width) = if critical {
        (CRITICAL_COLOUR, 3)
    } else {
        (border, 1)
    };
    StyleAttr::new(
        colour(border),
        width,
        Some(colour(fill)),
        8,
        LAYOUT_FONT_SIZE,
    )
}

fn arrow(critical: bool) -> Arrow {
    let (line, width) = if critical {
        (CRITICAL_COLOUR, 3)
    } else {
        (EDGE_COLOUR, 1)
    };
    let mut arrow = Arrow::new(
        LineEndKind::None,
        LineEndKind::Arrow,
        LineStyleKind::Normal,
        "",
        &StyleAttr::new(colour(line), width, None, 0, LAYOUT_FONT_SIZE),
        &None,
        &None,
    );
    if critical {
        arrow.properties = Some(CRITICAL.to_owned());
    }
    arrow
}

/// `#rrggbb` and the opacity of a layout-rs colour; `none` for a transparent one.
fn paint(color: &Color) -> (String, f64) {
    let web = color.to_web_color();
    let alpha = u8::from_str_radix(web.get(7..9).unwrap_or("ff"), 16).unwrap_or(255);
    if alpha == 0 {
        return ("none".to_owned(), 0.0);
    }
    (
        web.get(..7).unwrap_or("#000000").to_owned(),
        f64::from(alpha) / 255.0,
    )
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One line of text centred on `x`, its middle at `y`.
fn text_line(out: &mut String, x: f64, y: f64, size: f64, colour: &str, anchor: &str, text: &str) {
    let _ = writeln!(
        out,
        r#"<text x="{x:.1}" y="{:.1}" font-family="{FONT_FAMILY}" font-size="{size}" fill="{colour}" text-anchor="{anchor}">{}</text>"#,
        y + size * 0.35,
        escape(text)
    );
}

/// The drawing layout-rs does, written as SVG elements, and how far it reached.
#[derive(Default)]
struct Canvas {
    body: String,
    clips: Vec<String>,
    width: f64,
    height: f64,
}

impl Canvas {
    fn reach(&mut self, x: f64, y: f64) {
        self.width = self.width.max(x);
        self.height = self.height.max(y);
    }

    /// The whole document: heading, the drawing, the legend.
    fn finish(self, scene: &Scene) -> String {
        let mut looks: Vec<Look> = scene.nodes.iter().map(|n| n.look).collect();
        looks.sort_unstable();
        looks.dedup();
        let mut legend = String::new();
        let legend_y = HEADING_HEIGHT + self.height + LEGEND_HEIGHT / 2.0;
        let mut x = MARGIN;
        for look in looks {
            let (fill, border) = look.colours();
            let _ = writeln!(
                legend,
                r#"<rect x="{x:.1}" y="{:.1}" width="14" height="14" rx="3" fill="{fill}" stroke="{border}"/>"#,
                legend_y - 7.0
            );
            text_line(
                &mut legend,
                x + 20.0,
                legend_y,
                12.0,
                TEXT_COLOUR,
                "start",
                look.label(),
            );
            x += 34.0 + look.label().chars().count() as f64 * CHAR_WIDTH;
        }
        if !scene.critical.is_empty() {
            let _ = writeln!(
                legend,
                r#"<line x1="{x:.1}" y1="{legend_y:.1}" x2="{:.1}" y2="{legend_y:.1}" stroke="{CRITICAL_COLOUR}" stroke-width="3"/>"#,
                x + 18.0
            );
            text_line(
                &mut legend,
                x + 24.0,
                legend_y,
                12.0,
                TEXT_COLOUR,
                "start",
                "critical path",
            );
            x += 40.0 + 13.0 * CHAR_WIDTH;
        }
        let heading_width = scene.heading.chars().count() as f64 * 15.0 * 0.62 + 2.0 * MARGIN;
        let width = (self.width + MARGIN).max(x).max(heading_width).ceil();
        let height = (HEADING_HEIGHT + self.height + LEGEND_HEIGHT).ceil();

        let mut svg = String::with_capacity(self.body.len() + legend.len() + 2048);
        let _ = writeln!(
            svg,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">"#
        );
        svg.push_str("<defs>\n");
        for (id, fill) in [("arrow", EDGE_COLOUR), (CRITICAL, CRITICAL_COLOUR)] {
            let _ = writeln!(
                svg,
                r#"<marker id="{id}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="10" markerHeight="10" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{fill}"/></marker>"#
            );
        }
        for clip in &self.clips {
            svg.push_str(clip);
            svg.push('\n');
        }
        svg.push_str("</defs>\n");
        let _ = writeln!(
            svg,
            r##"<rect width="100%" height="100%" fill="#ffffff"/>"##
        );
        text_line(
            &mut svg,
            MARGIN,
            HEADING_HEIGHT / 2.0,
            15.0,
            TEXT_COLOUR,
            "start",
            &scene.heading,
        );
        let _ = writeln!(svg, r#"<g transform="translate(0 {HEADING_HEIGHT})">"#);
        svg.push_str(&self.body);
        svg.push_str("</g>\n");
        svg.push_str(&legend);
        svg.push_str("</svg>\n");
        svg
    }
}

impl RenderBackend for Canvas {
    fn draw_rect(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        _properties: Option<String>,
        clip: Option<ClipHandle>,
    ) {
        self.reach(xy.x + size.x, xy.y + size.y);
        let (fill, fill_opacity) = paint(&look.fill_color.unwrap_or_else(Color::transparent));
        let (stroke, _) = paint(&look.line_color);
        let clip = clip
            .map(|id| format!(r#" clip-path="url(#clip{id})""#))
            .unwrap_or_default();
        let _ = writeln!(
            self.body,
            r#"<rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="{}" fill="{fill}" fill-opacity="{fill_opacity:.2}" stroke="{stroke}" stroke-width="{}"{clip}/>"#,
            xy.x, xy.y, size.x, size.y, look.rounded, look.line_width
        );
    }

    fn draw_line(
        &mut self,
        start: Point,
        stop: Point,
        look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.reach(start.x.max(stop.x), start.y.max(stop.y));
        let (stroke, _) = paint(&look.line_color);
        let _ = writeln!(
            self.body,
            r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{stroke}" stroke-width="{}"/>"#,
            start.x, start.y, stop.x, stop.y, look.line_width
        );
    }

    fn draw_circle(
        &mut self,
        xy: Point,
        size: Point,
        look: &StyleAttr,
        _properties: Option<String>,
    ) {
        self.reach(xy.x + size.x / 2.0, xy.y + size.y / 2.0);
        let (fill, _) = paint(&look.fill_color.unwrap_or_else(Color::transparent));
        let (stroke, _) = paint(&look.line_color);
        let _ = writeln!(
            self.body,
            r#"<ellipse cx="{:.1}" cy="{:.1}" rx="{:.1}" ry="{:.1}" fill="{fill}" stroke="{stroke}" stroke-width="{}"/>"#,
            xy.x,
            xy.y,
            size.x / 2.0,
            size.y / 2.0,
            look.line_width
        );
    }

    fn draw_text(&mut self, xy: Point, text: &str, _look: &StyleAttr) {
        let lines: Vec<&str> = text.lines().collect();
        let first = xy.y - (lines.len().saturating_sub(1)) as f64 * LINE_HEIGHT / 2.0;
        for (n, line) in lines.iter().enumerate() {
            let colour = if n == 0 { TEXT_COLOUR } else { "#374151" };
            text_line(
                &mut self.body,
                xy.x,
                first + n as f64 * LINE_HEIGHT,
                FONT_SIZE,
                colour,
                "middle",
                line,
            );
        }
    }

    fn draw_arrow(
        &mut self,
        path: &[(Point, Point)],
        dashed: bool,
        head: (bool, bool),
        look: &StyleAttr,
        properties: Option<String>,
        _text: &str,
    ) {
        // layout-rs gives the exit vector of the first point, then the entry
        // vector of each next one: a cubic Bézier curve, then smooth ones.
        let [(start, start_control), (next, next_control), rest @ ..] = path else {
            return;
        };
        let mut d = format!(
            "M {:.1} {:.1} C {:.1} {:.1}, {:.1} {:.1}, {:.1} {:.1}",
            start.x,
            start.y,
            start_control.x,
            start_control.y,
            next.x,
            next.y,
            next_control.x,
            next_control.y
        );
        self.reach(start.x.max(next_control.x), start.y.max(next_control.y));
        for (point, control) in rest {
            let _ = write!(
                d,
                " S {:.1} {:.1}, {:.1} {:.1}",
                point.x, point.y, control.x, control.y
            );
            self.reach(point.x.max(control.x), point.y.max(control.y));
        }
        let marker = if properties.as_deref() == Some(CRITICAL) {
            CRITICAL
        } else {
            "arrow"
        };
        let (stroke, _) = paint(&look.line_color);
        let dash = if dashed {
            r#" stroke-dasharray="5,4""#
        } else {
            ""
        };
        let end = if head.1 {
            format!(r#" marker-end="url(#{marker})""#)
        } else {
            String::new()
        };
        let _ = writeln!(
            self.body,
            r#"<path d="{d}" fill="none" stroke="{stroke}" stroke-width="{}"{dash}{end}/>"#,
            look.line_width
        );
    }

    fn create_clip(&mut self, xy: Point, size: Point, rounded_px: usize) -> ClipHandle {
        let handle = self.clips.len();
        self.clips.push(format!(
            r#"<clipPath id="clip{handle}"><rect x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}" rx="{rounded_px}"/></clipPath>"#,
            xy.x, xy.y, size.x, size.y
        ));
        handle
    }
}
