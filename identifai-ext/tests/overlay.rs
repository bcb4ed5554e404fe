//! Heatmaps over images (feature `overlay`): the overlay's dimensions, that
//! it changes the image where the heatmap is hot and only there, colour
//! heatmaps, EXIF orientation, limits and bad input; and the sandbox's own
//! heatmap over the sample image.

#![cfg(feature = "overlay")]

use identifai_ext::Error;
use identifai_ext::overlay::image::{
    self, DynamicImage, GrayImage, ImageEncoder, Luma, Rgb, RgbImage, Rgba, RgbaImage,
};
use identifai_ext::overlay::{HeatmapOverlay, Picture, default_limits, encode_jpeg, encode_png};

/// An image of `w`×`h`: the left half red, the right half blue.
fn halves(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, _| {
        if x < w / 2 {
            Rgb([200, 30, 30])
        } else {
            Rgb([30, 30, 200])
        }
    })
}

fn png(image: &DynamicImage) -> Vec<u8> {
    encode_png(image).unwrap()
}

/// A grayscale heatmap of `w`×`h`, 255 where `hot` holds and 0 elsewhere.
fn heatmap(w: u32, h: u32, hot: impl Fn(u32, u32) -> bool) -> Vec<u8> {
    let gray = GrayImage::from_fn(w, h, |x, y| Luma([if hot(x, y) { 255 } else { 0 }]));
    png(&DynamicImage::ImageLuma8(gray))
}

fn decoded(bytes: &[u8]) -> DynamicImage {
    image::load_from_memory(bytes).expect("a decodable image")
}

/// How many pixels of `a` and `b` (same dimensions) differ, in the region
/// where `inside` holds.
fn differing(a: &RgbaImage, b: &RgbaImage, inside: impl Fn(u32, u32) -> bool) -> (u32, u32) {
    assert_eq!(a.dimensions(), b.dimensions());
    let (mut differ, mut total) = (0, 0);
    for (x, y, p) in a.enumerate_pixels() {
        if inside(x, y) {
            total += 1;
            if p != b.get_pixel(x, y) {
                differ += 1;
            }
        }
    }
    (differ, total)
}

#[test]
fn the_overlay_has_the_images_dimensions_and_changes_it_only_where_hot() {
    let photo = png(&DynamicImage::ImageRgb8(halves(120, 80)));
    // Hot in the top half of a 16×16 heatmap, cold below.
    let heat = heatmap(16, 16, |_, y| y < 8);
    let out = HeatmapOverlay::new().render_png(&photo, &heat).unwrap();
    assert_eq!(infer::get(&out).map(|t| t.mime_type()), Some("image/png"));
    let out = decoded(&out).to_rgba8();
    assert_eq!(out.dimensions(), (120, 80), "the image's own dimensions");
    let original = decoded(&photo).to_rgba8();
    // Away from the edge where the scaled heatmap fades from hot to cold.
    let (differ, total) = differing(&out, &original, |_, y| y < 30);
    assert_eq!(differ, total, "every hot pixel is coloured");
    let (differ, _) = differing(&out, &original, |_, y| y >= 50);
    assert_eq!(differ, 0, "cold areas show the image unchanged");
    // Opacity 0 leaves the image as it is; more opacity, more colour.
    let none = HeatmapOverlay::new().opacity(0.0);
    let none = decoded(&none.render_png(&photo, &heat).unwrap()).to_rgba8();
    assert_eq!(differing(&none, &original, |_, _| true).0, 0);
    let distance = |a: &RgbaImage| -> u32 {
        let (p, q) = (a.get_pixel(10, 10), original.get_pixel(10, 10));
        (0..3).map(|c| p[c].abs_diff(q[c]) as u32).sum()
    };
    let faint = HeatmapOverlay::new().opacity(0.2);
    let faint = decoded(&faint.render_png(&photo, &heat).unwrap()).to_rgba8();
    let full = HeatmapOverlay::new().opacity(1.0);
    let full = decoded(&full.render_png(&photo, &heat).unwrap()).to_rgba8();
    assert!(distance(&faint) > 0);
    assert!(distance(&full) > distance(&faint));
    assert!(distance(&full) > distance(&out));
}

#[test]
fn a_colour_heatmap_is_blended_as_it_comes() {
    let photo = png(&DynamicImage::ImageRgb8(halves(40, 40)));
    // Green where hot, transparent elsewhere.
    let heat = RgbaImage::from_fn(8, 8, |x, _| {
        if x < 4 {
            Rgba([0, 255, 0, 255])
        } else {
            Rgba([0, 255, 0, 0])
        }
    });
    let heat = png(&DynamicImage::ImageRgba8(heat));
    let out = HeatmapOverlay::new().opacity(1.0);
    let out = decoded(&out.render_png(&photo, &heat).unwrap()).to_rgba8();
    assert_eq!(
        out.get_pixel(2, 20),
        &Rgba([0, 255, 0, 255]),
        "its own colour"
    );
    assert_eq!(
        out.get_pixel(38, 20),
        &Rgba([30, 30, 200, 255]),
        "its alpha"
    );
    // An RGB heatmap with no alpha covers at the opacity.
    let heat = RgbImage::from_pixel(4, 4, Rgb([0, 255, 0]));
    let heat = png(&DynamicImage::ImageRgb8(heat));
    let out = HeatmapOverlay::new().opacity(0.5);
    let out = decoded(&out.render_png(&photo, &heat).unwrap()).to_rgba8();
    assert_eq!(out.get_pixel(38, 20), &Rgba([15, 143, 100, 255]));
}

#[test]
fn an_image_with_alpha_keeps_it_and_a_jpeg_preview_is_opaque() {
    let photo = RgbaImage::from_fn(20, 20, |x, _| {
        Rgba([10, 10, 10, if x < 10 { 0 } else { 255 }])
    });
    let photo = png(&DynamicImage::ImageRgba8(photo));
    let heat = heatmap(4, 4, |_, _| true);
    let out = decoded(&HeatmapOverlay::new().render_png(&photo, &heat).unwrap());
    assert!(out.color().has_alpha());
    assert_eq!(out.to_rgba8().get_pixel(2, 2)[3], 0);
    let preview = encode_jpeg(&out, 80).unwrap();
    assert_eq!(
        infer::get(&preview).map(|t| t.mime_type()),
        Some("image/jpeg")
    );
    // Transparent areas become white, not black.
    let preview = decoded(&preview).to_rgb8();
    assert!(
        preview.get_pixel(2, 2)[0] > 240,
        "{:?}",
        preview.get_pixel(2, 2)
    );
}

/// `image` (w×h) as a PNG with the EXIF orientation `orientation`.
fn png_with_orientation(image: &RgbImage, orientation: u8) -> Vec<u8> {
    // A TIFF header (big-endian) and one IFD entry: tag 0x0112, SHORT, 1.
    let exif = vec![
        b'M',
        b'M',
        0,
        42,
        0,
        0,
        0,
        8,
        0,
        1,
        0x01,
        0x12,
        0,
        3,
        0,
        0,
        0,
        1,
        0,
        orientation,
        0,
        0,
        0,
        0,
        0,
        0,
    ];
    let mut out = Vec::new();
    let mut encoder = image::codecs::png::PngEncoder::new(&mut out);
    encoder.set_exif_metadata(exif).unwrap();
    encoder
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            image::ExtendedColorType::Rgb8,
        )
        .unwrap();
    out
}

#[test]
fn the_exif_orientation_is_applied() {
    // Stored 40×20, red left and blue right; orientation 6 turns it 90°
    // clockwise: 20×40, red on top.
    let photo = png_with_orientation(&halves(40, 20), 6);
    let picture = Picture::decode(&photo, &default_limits()).unwrap();
    assert_eq!(picture.dimensions(), (20, 40));
    let upright = picture.to_image().to_rgba8();
    assert_eq!(upright.get_pixel(10, 5), &Rgba([200, 30, 30, 255]));
    assert_eq!(upright.get_pixel(10, 35), &Rgba([30, 30, 200, 255]));
    let overlay = |heat: &[u8]| -> RgbaImage {
        let out = HeatmapOverlay::new().render_png(&photo, heat).unwrap();
        decoded(&out).to_rgba8()
    };

    // A square heatmap is taken over the pixels as stored: hot on the left
    // of the stored image is hot on top of the upright one.
    let out = overlay(&heatmap(16, 16, |x, _| x < 8));
    assert_eq!(out.dimensions(), (20, 40));
    assert_eq!(differing(&out, &upright, |_, y| y < 15), (300, 300));
    assert_eq!(differing(&out, &upright, |_, y| y >= 25).0, 0);

    // One shaped like the upright image (1:2) is laid over it.
    let out = overlay(&heatmap(16, 32, |x, _| x < 8));
    assert_eq!(differing(&out, &upright, |x, _| x < 7), (280, 280));
    assert_eq!(differing(&out, &upright, |x, _| x >= 13).0, 0);

    // A thumbnail keeps the orientation.
    let small = picture.thumbnail(10);
    assert_eq!(small.dimensions(), (5, 10));
    assert_eq!(small.to_image().height(), 10);
}

#[test]
fn limits_and_bad_input_are_errors_that_say_what_to_do() {
    let photo = png(&DynamicImage::ImageRgb8(halves(200, 100)));
    let heat = heatmap(16, 16, |_, _| true);
    let mut small = default_limits();
    small.max_image_width = Some(100);
    let message = |e: Error| match e {
        Error::InvalidInput(e) => e.to_string(),
        other => panic!("not an input error: {other:?}"),
    };
    let refused = HeatmapOverlay::new()
        .limits(small)
        .render_png(&photo, &heat);
    let text = message(refused.unwrap_err());
    assert!(text.starts_with("the image: "), "{text}");
    assert!(
        text.contains("decoding limits") && text.contains("HeatmapOverlay::limits"),
        "{text}"
    );

    let text = message(
        HeatmapOverlay::new()
            .render_png(b"not an image", &heat)
            .unwrap_err(),
    );
    assert!(
        text.contains("the image") && text.contains("PNG, JPEG"),
        "{text}"
    );
    let text = message(
        HeatmapOverlay::new()
            .render_png(&photo, b"<html>")
            .unwrap_err(),
    );
    assert!(text.starts_with("the heatmap"), "{text}");
    // A PNG cut short.
    let text = message(
        HeatmapOverlay::new()
            .render_png(&photo[..photo.len() / 2], &heat)
            .unwrap_err(),
    );
    assert!(text.contains("cannot be decoded"), "{text}");
    for opacity in [1.5, -0.1, f32::NAN] {
        let refused = HeatmapOverlay::new()
            .opacity(opacity)
            .render_png(&photo, &heat);
        assert!(message(refused.unwrap_err()).contains("between 0 and 1"));
    }
}

#[tokio::test]
#[cfg(feature = "sandbox")]
async fn the_sandboxs_heatmap_over_the_sample() {
    use identifai_ext::{Media, SubmitOptions};
    let sandbox = identifai_ext::sandbox::Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let sample = crate::util::sample_png();
    let options = SubmitOptions::new().with_heatmap(true);
    let analysis = client
        .classify_with(Media::bytes(sample.clone(), "sample.png"), &options)
        .await
        .unwrap();
    assert!(analysis.has_heatmap());
    let heat = client
        .heatmap(analysis.identifier().unwrap())
        .await
        .unwrap();
    assert_eq!(
        decoded(&heat).color(),
        image::ColorType::L8,
        "16×16 grayscale"
    );
    let out = HeatmapOverlay::new().render_png(&sample, &heat).unwrap();
    let out = decoded(&out).to_rgba8();
    let original = decoded(&sample).to_rgba8();
    assert_eq!(out.dimensions(), original.dimensions());
    let (differ, total) = differing(&out, &original, |_, _| true);
    assert!(differ > total / 2, "{differ} of {total} pixels coloured");
}
