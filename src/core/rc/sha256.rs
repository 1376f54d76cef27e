//! SHA-256 (FIPS 180-4) in a few lines of pure Rust, for Rocket.Chat's `password` two-factor
//! method, whose code is the lowercase hex digest of the password.
//!
//! Why not the browser's `crypto.subtle.digest`: it exists only in secure contexts (so not on a
//! plain `http://` intranet page), it is asynchronous, and its bindings and glue cost about as
//! much package size as this loop.

/// The initial hash (fractions of the square roots of the first 8 primes) and the round
/// constants (fractions of the cube roots of the first 64 primes), computed rather than stored:
/// 288 bytes of tables do not compress, these few instructions do. The native tests compare
/// them with the standard's tables.
fn constants(h: &mut [u32; 8], k: &mut [u32; 64]) {
    // The first 32 bits of the fractional part.
    let frac = |x: f64| ((x - f64::from(x as u32)) * 4_294_967_296.0) as u32;
    let mut p = 2u32;
    for (i, k) in k.iter_mut().enumerate() {
        while (2..p).any(|d| p.is_multiple_of(d)) {
            p += 1;
        }
        let x = f64::from(p);
        if let Some(h) = h.get_mut(i) {
            *h = frac(x.sqrt());
        }
        // Newton's method for the cube root: exact to the last bit or two of an f64, far
        // below the 32 bits kept.
        let mut r = x;
        for _ in 0..40 {
            r = (2.0 * r + x / (r * r)) / 3.0;
        }
        *k = frac(r);
        p += 1;
    }
}

/// The SHA-256 digest of `data`.
///
/// ```
/// use session_keeper::core::rc::sha256::sha256;
/// assert_eq!(sha256(b"abc")[..4], [0xba, 0x78, 0x16, 0xbf]);
/// ```
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let h = digest(data);
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = (h[i / 4] >> (24 - 8 * (i % 4))) as u8;
    }
    out
}

/// The hash as eight words.
fn digest(data: &[u8]) -> [u32; 8] {
    let (mut h, mut k) = ([0u32; 8], [0u32; 64]);
    constants(&mut h, &mut k);
    // The message, the 0x80 marker, zeros, and the length in bits fill whole blocks; one
    // byte at a time keeps the code small, and passwords are short.
    let len = data.len();
    let total = (len + 9).div_ceil(64) * 64;
    let bits = (len as u64).wrapping_mul(8).to_be_bytes();
    let mut block = [0u8; 64];
    for i in 0..total {
        block[i % 64] = match data.get(i) {
            Some(b) => *b,
            None if i == len => 0x80,
            None => bits.get((i + 8).wrapping_sub(total)).copied().unwrap_or(0),
        };
        if i % 64 == 63 {
            compress(&mut h, &k, &block);
        }
    }
    h
}

// Plain index loops over fixed sizes and named locals: no bounds checks, no array copies.
#[allow(clippy::needless_range_loop)]
fn compress(h: &mut [u32; 8], k: &[u32; 64], block: &[u8; 64]) {
    // The message schedule in a ring of 16 words: w[i - n] is w[(i + 16 - n) % 16].
    let mut w = [0u32; 16];
    for i in 0..64 {
        w[i / 4] = w[i / 4] << 8 | u32::from(block[i]);
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = *h;
    for i in 0..64 {
        if i >= 16 {
            let (x, y) = (w[(i + 1) % 16], w[(i + 14) % 16]);
            let s0 = x.rotate_right(7) ^ x.rotate_right(18) ^ (x >> 3);
            let s1 = y.rotate_right(17) ^ y.rotate_right(19) ^ (y >> 10);
            w[i % 16] = w[i % 16]
                .wrapping_add(s0)
                .wrapping_add(w[(i + 9) % 16])
                .wrapping_add(s1);
        }
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = hh
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(k[i])
            .wrapping_add(w[i % 16]);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let t2 = s0.wrapping_add((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    let v = [a, b, c, d, e, f, g, hh];
    for i in 0..8 {
        h[i] = h[i].wrapping_add(v[i]);
    }
}

/// The lowercase hex SHA-256 digest of `data`.
///
/// ```
/// use session_keeper::core::rc::sha256::sha256_hex;
/// assert_eq!(
///     sha256_hex(b"abc"),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// ```
pub fn sha256_hex(data: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let h = digest(data);
    (0..64)
        .map(|i| char::from(HEX[(h[i / 8] >> (28 - 4 * (i % 8))) as usize & 15]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{constants, sha256, sha256_hex};

    #[test]
    fn computed_constants_are_the_standard_ones() {
        const H0: [u32; 8] = [
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
            0x5be0cd19,
        ];
        const K: [u32; 64] = [
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
            0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
            0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
            0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
            0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
            0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
            0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
            0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
            0xc67178f2,
        ];
        let (mut h, mut k) = ([0; 8], [0; 64]);
        constants(&mut h, &mut k);
        assert_eq!((h, k), (H0, K));
    }

    #[test]
    fn known_vectors() {
        for (input, digest) in [
            (
                &b""[..],
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                b"abc",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
            (
                b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
            ),
            (
                b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
                "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
            ),
        ] {
            assert_eq!(sha256_hex(input), digest);
        }
    }

    #[test]
    fn the_bytes_are_the_words_big_endian() {
        let bytes = sha256(b"abc");
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, sha256_hex(b"abc"));
        assert_eq!(&bytes[..4], &[0xba, 0x78, 0x16, 0xbf]);
    }

    #[test]
    fn a_million_a() {
        assert_eq!(
            sha256_hex(&vec![b'a'; 1_000_000]),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }

    #[test]
    fn every_length_around_the_block_edges() {
        // Lengths 55, 56 and 64 switch between one and two final blocks.
        for (len, digest) in [
            (
                55,
                "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            ),
            (
                56,
                "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            ),
            (
                63,
                "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            ),
            (
                64,
                "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            ),
        ] {
            assert_eq!(sha256_hex(&vec![b'a'; len]), digest, "{len}");
        }
        // The devserver's `rc-pass` password, and UTF-8 input.
        assert_eq!(
            sha256_hex(b"pass-pass"),
            "1f22a6ec01501dfc973cae93118c114616477523aa0ec49690c8f32e4b5f6788"
        );
        assert_eq!(
            sha256_hex("pässwörd".as_bytes()),
            "46970bef70aced8123f0d5d094717e2a5cd412041e03b26376049fe65b2834a4"
        );
    }
}
