//! The SVG rasterised by resvg, with the font bundled in the binary: a server or a
//! container image may have no fonts at all, and a picture must look the same
//! wherever it is drawn.

use std::sync::{Arc, OnceLock};

use resvg::tiny_skia::{Color, Pixmap, Transform};
use resvg::usvg::{self, fontdb};

use super::svg::FONT_FAMILY;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Pixels per SVG unit: sharp on high-density screens, which chat clients scale
/// down to fit.
pub const SCALE: f32 = 2.0;
/// The most pixels a picture has, whatever the scale: time and memory go with
/// them (a 60-task picture at 4,096 × 2,654 took half a second), while a bound on
/// the area rather than the longest side keeps a long thin chain readable.
const MAX_PIXELS: f32 = 3_000_000.0;

/// Why a picture could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    #[error("the SVG could not be read")]
    Svg(#[from] usvg::Error),
    #[error("a {width}×{height} picture cannot be drawn")]
    Size { width: u32, height: u32 },
    #[error("the PNG could not be written: {0}")]
    Encode(String),
}

/// The PNG of `pixmap`, compressed fast: a picture is mostly flat colour, which
/// the fast setting packs nearly as tightly as the default, in a fraction of the
/// time. Every pixel is opaque (drawn on white), so tiny-skia's premultiplied
/// pixels are plain RGBA.
fn encode(pixmap: &Pixmap) -> Result<Vec<u8>, png::EncodingError> {
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, pixmap.width(), pixmap.height());
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Fast);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixmap.data())?;
    writer.finish()?;
    Ok(bytes)
}

/// The bundled font, parsed once per process.
fn fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut fonts = fontdb::Database::new();
            fonts.load_font_data(FONT.to_vec());
            Arc::new(fonts)
        })
        .clone()
}

/// A picture as PNG, with its size in pixels (chat platforms want both).
#[derive(Debug, Clone)]
pub struct Png {
    pub bytes: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

/// `svg` as a PNG on white, [`SCALE`] pixels per unit (less for a huge one).
pub(super) fn rasterise(svg: &str) -> Result<Png, PictureError> {
    let options = usvg::Options {
        font_family: FONT_FAMILY.to_owned(),
        fontdb: fonts(),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options)?;
    let size = tree.size();
    let scale = SCALE.min((MAX_PIXELS / (size.width() * size.height())).sqrt());
    let (width, height) = (
        (size.width() * scale).ceil() as u32,
        (size.height() * scale).ceil() as u32,
    );
    let mut pixmap = Pixmap::new(width, height).ok_or(PictureError::Size { width, height })?;
    pixmap.fill(Color::WHITE);
    resvg::render(
        &tree,
        Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    let bytes = encode(&pixmap).map_err(|e| PictureError::Encode(e.to_string()))?;
    Ok(Png {
        bytes,
        width,
        height,
    })
}
