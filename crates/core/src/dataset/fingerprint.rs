//! A fast 128-bit fingerprint of a normalised example, for duplicate detection without keeping
//! any text. Not cryptographic: a false "duplicate" costs one warning, and at 128 bits collisions
//! are vanishingly rare. std's SipHash was 7 % of validation time; this runs at memory speed.

/// Accumulates bytes into two independent 64-bit lanes.
pub(crate) struct Fingerprint {
    a: u64,
    b: u64,
    len: u64,
}

const K1: u64 = 0x9E37_79B9_7F4A_7C15;
const K2: u64 = 0xC2B2_AE3D_27D4_EB4F;

/// Murmur3's 64-bit finaliser: spreads every input bit over the output.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    x ^= x >> 33;
    x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    x ^ (x >> 33)
}

impl Fingerprint {
    pub(crate) fn new() -> Self {
        Fingerprint {
            a: 0x243F_6A88_85A3_08D3,
            b: 0x1319_8A2E_0370_7344,
            len: 0,
        }
    }

    fn word(&mut self, w: u64) {
        self.a = (self.a ^ w).wrapping_mul(K1).rotate_left(31);
        self.b = (self.b.rotate_left(27) ^ w).wrapping_mul(K2).wrapping_add(self.a);
    }

    /// Adds a byte string, length-prefixed so that ("ab","c") and ("a","bc") differ.
    pub(crate) fn write(&mut self, bytes: &[u8]) {
        self.word(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.word(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.word(u64::from_le_bytes(w) ^ (0xFF << 56));
        }
        self.len += bytes.len() as u64;
    }

    /// The 128-bit value.
    pub(crate) fn finish(&self) -> u128 {
        let hi = mix(self.a ^ self.len);
        let lo = mix(self.b ^ hi);
        (u128::from(hi) << 64) | u128::from(lo)
    }
}

#[cfg(test)]
mod tests {
    use super::Fingerprint;

    fn fp(parts: &[&str]) -> u128 {
        let mut f = Fingerprint::new();
        for p in parts {
            f.write(p.as_bytes());
        }
        f.finish()
    }

    #[test]
    fn separates_boundaries_and_content() {
        assert_eq!(fp(&["hello", "world"]), fp(&["hello", "world"]));
        assert_ne!(fp(&["ab", "c"]), fp(&["a", "bc"]));
        assert_ne!(fp(&["hello"]), fp(&["hellp"]));
        assert_ne!(fp(&[""]), fp(&[]));
        assert_ne!(fp(&["12345678"]), fp(&["12345678\0"]));
    }
}
