//! Simulated heatmaps: a 16×16 grayscale PNG drawn from the file's hash,
//! encoded by hand (stored deflate blocks) to need no image crate.

/// The heatmap PNG of a file.
pub(super) fn heatmap(hash: &[u8; 32]) -> Vec<u8> {
    const SIDE: usize = 16;
    let mut raw = Vec::with_capacity(SIDE * (SIDE + 1));
    for y in 0..SIDE {
        raw.push(0); // no filter
        for x in 0..SIDE {
            raw.push(hash[(x / 4 + (y / 4) * 4) % 32].wrapping_add((x * y) as u8));
        }
    }
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut header = Vec::new();
    header.extend_from_slice(&(SIDE as u32).to_be_bytes());
    header.extend_from_slice(&(SIDE as u32).to_be_bytes());
    header.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grayscale
    chunk(&mut png, b"IHDR", &header);
    chunk(&mut png, b"IDAT", &zlib_stored(&raw));
    chunk(&mut png, b"IEND", &[]);
    png
}

fn chunk(png: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    png.extend_from_slice(&(data.len() as u32).to_be_bytes());
    png.extend_from_slice(kind);
    png.extend_from_slice(data);
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    png.extend_from_slice(&crc32(&crc_input).to_be_bytes());
}

/// A zlib stream of stored (uncompressed) blocks; the data is small.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_heatmap_is_a_png_that_infer_recognises() {
        let png = super::heatmap(&[7; 32]);
        assert_eq!(infer::get(&png).map(|t| t.mime_type()), Some("image/png"));
        assert_eq!(super::crc32(b"IEND"), 0xAE42_6082);
    }
}
