//! Heatmaps blended over the images they came from (feature `overlay`).
//!
//! ```no_run
//! use identifai_ext::overlay::HeatmapOverlay;
//!
//! # async fn run(client: identifai_ext::Client) -> identifai_ext::Result<()> {
//! let photo = std::fs::read("photo.jpg").expect("the photo");
//! let heatmap = client.heatmap("2acb569d").await?;
//! // CPU-bound: from async code, run it in `spawn_blocking`.
//! let png = HeatmapOverlay::new().opacity(0.7).render_png(&photo, &heatmap)?;
//! std::fs::write("photo-heatmap.png", png).expect("written");
//! # Ok(())
//! # }
//! ```
//!
//! How the two are put together:
//! - the image is decoded with the [`image`] crate (PNG, JPEG, GIF, WebP and
//!   TIFF: the formats the service accepts) under [`image::Limits`], and its
//!   EXIF orientation applied, so the result is upright and of the image's
//!   own (displayed) dimensions;
//! - the heatmap is scaled to the image (bilinear). The vendor does not
//!   document its format: a grayscale heatmap (the sandbox's is a 16×16
//!   grayscale PNG; an RGB one whose channels are all equal counts as
//!   grayscale too) gets the Turbo colour map, and each pixel covers the
//!   image in proportion to its value, so cold areas show the image
//!   unchanged; an RGB or RGBA heatmap is blended as it comes, at the
//!   overlay's opacity (times its own alpha);
//! - the vendor does not say either whether a heatmap covers the pixels as
//!   stored or as displayed. For a rotated photo (EXIF orientation 90° or
//!   270°), a heatmap whose aspect ratio is closer to the displayed image's
//!   is laid over the displayed image; otherwise it is laid over the pixels
//!   as stored (as most decoders read a file) and turned with them.

use std::io::Cursor;

pub use image;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{ColorType, DynamicImage, ImageDecoder, ImageReader, Limits, RgbaImage};

use crate::error::{InputError, Result};

/// How large an image may be decoded by default: 16,384 pixels a side and
/// 512 MiB for any one step (a 50 MB upload can hold a 100-megapixel
/// photo, which takes 400 MiB as RGBA).
pub fn default_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(16_384);
    limits.max_image_height = Some(16_384);
    limits.max_alloc = Some(512 * 1024 * 1024);
    limits
}

/// An image decoded for display: its pixels as stored and the EXIF
/// orientation that shows them upright.
#[derive(Clone, Debug)]
pub struct Picture {
    stored: DynamicImage,
    orientation: Orientation,
}

impl Picture {
    /// Decodes a PNG, JPEG, GIF (its first frame), WebP or TIFF under
    /// `limits`, reading its EXIF orientation.
    pub fn decode(bytes: &[u8], limits: &Limits) -> Result<Self> {
        decode(bytes, limits, "the image")
    }

    /// The width and height as displayed (the orientation applied).
    pub fn dimensions(&self) -> (u32, u32) {
        let (w, h) = (self.stored.width(), self.stored.height());
        if swaps_axes(self.orientation) {
            (h, w)
        } else {
            (w, h)
        }
    }

    /// The EXIF orientation read from the file.
    pub fn orientation(&self) -> Orientation {
        self.orientation
    }

    /// The picture shrunk to fit a `max_side`×`max_side` square (aspect
    /// ratio kept); a smaller one is returned as it is.
    pub fn thumbnail(&self, max_side: u32) -> Self {
        let max_side = max_side.max(1);
        let stored = if self.stored.width() <= max_side && self.stored.height() <= max_side {
            self.stored.clone()
        } else {
            self.stored.thumbnail(max_side, max_side)
        };
        Self {
            stored,
            orientation: self.orientation,
        }
    }

    /// The image as displayed: upright.
    pub fn to_image(&self) -> DynamicImage {
        let mut image = self.stored.clone();
        image.apply_orientation(self.orientation);
        image
    }
}

/// Blends heatmaps over images; see the [module](self) for how.
#[derive(Clone, Debug)]
pub struct HeatmapOverlay {
    opacity: f32,
    limits: Limits,
}

impl Default for HeatmapOverlay {
    /// Opacity 0.6, [`default_limits`].
    fn default() -> Self {
        Self {
            opacity: 0.6,
            limits: default_limits(),
        }
    }
}

impl HeatmapOverlay {
    /// Opacity 0.6, [`default_limits`].
    pub fn new() -> Self {
        Self::default()
    }

    /// How much the heatmap covers the image where it is hottest (a
    /// grayscale one) or everywhere (a colour one): from 0 (not at all) to
    /// 1 (wholly).
    pub fn opacity(mut self, opacity: f32) -> Self {
        self.opacity = opacity;
        self
    }

    /// The limits the image and the heatmap are decoded under (also
    /// checked for the buffers of the blend).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The image file's bytes with the heatmap's over them, as a PNG of the
    /// image's own (displayed) dimensions.
    pub fn render_png(&self, image: &[u8], heatmap: &[u8]) -> Result<Vec<u8>> {
        let picture = Picture::decode(image, &self.limits)?;
        encode_png(&self.blend(&picture, heatmap)?)
    }

    /// `picture` (upright) with the heatmap's bytes blended over it: RGB,
    /// or RGBA when the picture has an alpha channel (kept as it is).
    pub fn blend(&self, picture: &Picture, heatmap: &[u8]) -> Result<DynamicImage> {
        if !(0.0..=1.0).contains(&self.opacity) {
            return Err(InputError::new(
                "the overlay's opacity",
                format!("{} is not between 0 and 1", self.opacity),
            )
            .into());
        }
        let heat = decode(heatmap, &self.limits, "the heatmap")?;
        let heat = heat.to_image();
        let has_alpha = picture.stored.color().has_alpha();
        let (sw, sh) = (picture.stored.width(), picture.stored.height());
        let (dw, dh) = picture.dimensions();
        // In which frame the heatmap is laid: see the module's notes.
        let displayed_frame = swaps_axes(picture.orientation)
            && aspect_distance(&heat, dw, dh) < aspect_distance(&heat, sw, sh);
        let mut base = if displayed_frame {
            picture.to_image().into_rgba8()
        } else {
            picture.stored.to_rgba8()
        };
        let (w, h) = base.dimensions();
        let mut budget = self.limits.clone();
        budget
            .reserve_buffer(w, h, ColorType::Rgba8)
            .map_err(|e| too_large("the heatmap scaled to the image", &e))?;
        blend_into(&mut base, &heat, self.opacity);
        let mut out = DynamicImage::ImageRgba8(base);
        if !displayed_frame {
            out.apply_orientation(picture.orientation);
        }
        Ok(if has_alpha {
            out
        } else {
            DynamicImage::ImageRgb8(out.into_rgb8())
        })
    }
}

/// `image` as a PNG file's bytes.
pub fn encode_png(image: &DynamicImage) -> Result<Vec<u8>> {
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| InputError::new("the overlay", format!("cannot be encoded as PNG: {e}")))?;
    Ok(out.into_inner())
}

/// `image` as a JPEG file's bytes at `quality` (1 to 100); transparent
/// areas become white. For previews: small, and read by every browser.
pub fn encode_jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>> {
    let rgb = if image.color().has_alpha() {
        let mut rgba = image.to_rgba8();
        for pixel in rgba.pixels_mut() {
            let a = u16::from(pixel[3]);
            for c in 0..3 {
                pixel[c] = ((u16::from(pixel[c]) * a + 255 * (255 - a)) / 255) as u8;
            }
            pixel[3] = 255;
        }
        DynamicImage::ImageRgba8(rgba).into_rgb8()
    } else {
        image.to_rgb8()
    };
    let mut out = Vec::new();
    let encoder =
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality.clamp(1, 100));
    rgb.write_with_encoder(encoder)
        .map_err(|e| InputError::new("the preview", format!("cannot be encoded as JPEG: {e}")))?;
    Ok(out)
}

fn decode(bytes: &[u8], limits: &Limits, what: &str) -> Result<Picture> {
    let failed = |e: image::ImageError| -> crate::Error {
        match e {
            image::ImageError::Limits(e) => too_large(what, &e),
            image::ImageError::Unsupported(e) => InputError::new(
                what,
                format!("is not an image this SDK can decode ({e}); PNG, JPEG, GIF, WebP and TIFF can be"),
            )
            .into(),
            e => InputError::new(what, format!("cannot be decoded: {e}")).into(),
        }
    };
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| InputError::new(what, format!("cannot be read: {e}")))?;
    if reader.format().is_none() {
        return Err(InputError::new(
            what,
            "is not an image: PNG, JPEG, GIF, WebP and TIFF can be decoded",
        )
        .into());
    }
    reader.limits(limits.clone());
    let mut decoder = reader.into_decoder().map_err(failed)?;
    // An orientation that cannot be read is taken as none: the pixels are
    // still right, only perhaps not upright.
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let stored = DynamicImage::from_decoder(decoder).map_err(failed)?;
    Ok(Picture {
        stored,
        orientation,
    })
}

fn too_large(what: &str, e: &dyn std::fmt::Display) -> crate::Error {
    InputError::new(
        what,
        format!(
            "is larger than the decoding limits allow ({e}); raise them with \
             HeatmapOverlay::limits"
        ),
    )
    .into()
}

fn swaps_axes(orientation: Orientation) -> bool {
    matches!(
        orientation,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// How far the heatmap's aspect ratio is from `w`×`h`'s (on a log scale,
/// so that 2:1 and 1:2 are as far from 1:1).
fn aspect_distance(heat: &DynamicImage, w: u32, h: u32) -> f64 {
    let ratio = |w: u32, h: u32| (f64::from(w.max(1)) / f64::from(h.max(1))).ln();
    (ratio(heat.width(), heat.height()) - ratio(w, h)).abs()
}

/// Whether a heatmap holds intensities only: a grayscale image, or an RGB
/// one whose three channels are equal everywhere.
fn is_grayscale(heat: &DynamicImage) -> bool {
    match heat.color() {
        ColorType::L8 | ColorType::La8 | ColorType::L16 | ColorType::La16 => true,
        _ => heat
            .to_rgba8()
            .pixels()
            .all(|p| p[0] == p[1] && p[1] == p[2]),
    }
}

/// Blends `heat`, scaled to `base`, over it.
fn blend_into(base: &mut RgbaImage, heat: &DynamicImage, opacity: f32) {
    let (w, h) = base.dimensions();
    let mix = |under: u8, over: u8, alpha: f32| -> u8 {
        (f32::from(under) * (1.0 - alpha) + f32::from(over) * alpha).round() as u8
    };
    if is_grayscale(heat) {
        let scaled = image::imageops::resize(&heat.to_luma_alpha8(), w, h, FilterType::Triangle);
        for (pixel, value) in base.pixels_mut().zip(scaled.pixels()) {
            let [v, a] = value.0;
            let colour = colorous::TURBO.eval_rational(usize::from(v), 255);
            let alpha = opacity * f32::from(v) / 255.0 * f32::from(a) / 255.0;
            pixel[0] = mix(pixel[0], colour.r, alpha);
            pixel[1] = mix(pixel[1], colour.g, alpha);
            pixel[2] = mix(pixel[2], colour.b, alpha);
        }
    } else {
        let scaled = image::imageops::resize(&heat.to_rgba8(), w, h, FilterType::Triangle);
        for (pixel, over) in base.pixels_mut().zip(scaled.pixels()) {
            let alpha = opacity * f32::from(over[3]) / 255.0;
            for c in 0..3 {
                pixel[c] = mix(pixel[c], over[c], alpha);
            }
        }
    }
}
