//! The store's encryption: SQLCipher with a crypto provider of our own (AES-256-CBC, HMAC and
//! PBKDF2 from the RustCrypto crates), so the phone library carries no OpenSSL. The files are
//! SQLCipher 4 files as any SQLCipher opens them: the same algorithms with the same defaults
//! (`core/tests/cipher.rs` opens a store written with SQLCipher's OpenSSL provider).
//!
//! SQLCipher calls `fieldcase_sqlcipher_setup` (named by `SQLCIPHER_CRYPTO_CUSTOM` in
//! `.cargo/config.toml`) once, to fill in its provider table with the functions below.

use std::os::raw::{c_char, c_int, c_uchar, c_void};

use aes::Aes256;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha512};

/// The name `PRAGMA cipher_provider` reports.
pub const PROVIDER_NAME: &str = "fieldcase-rustcrypto";

const OK: c_int = 0;
const ERROR: c_int = 1;
const HMAC_SHA256: c_int = 1;
const HMAC_SHA512: c_int = 2;
const ENCRYPT: c_int = 1;
const KEY_BYTES: usize = 32;
const IV_BYTES: usize = 16;
const BLOCK_BYTES: usize = 16;

type Ctx = *mut c_void;

/// SQLCipher's `struct sqlcipher_provider`, field for field.
#[repr(C)]
pub struct Provider {
    init: Option<unsafe extern "C" fn() -> c_int>,
    shutdown: Option<unsafe extern "C" fn()>,
    get_provider_name: unsafe extern "C" fn(Ctx) -> *const c_char,
    add_random: unsafe extern "C" fn(Ctx, *const c_void, c_int) -> c_int,
    random: unsafe extern "C" fn(Ctx, *mut c_void, c_int) -> c_int,
    #[allow(clippy::type_complexity)]
    hmac: unsafe extern "C" fn(
        Ctx,
        c_int,
        *const c_uchar,
        c_int,
        *const c_uchar,
        c_int,
        *const c_uchar,
        c_int,
        *mut c_uchar,
    ) -> c_int,
    #[allow(clippy::type_complexity)]
    kdf: unsafe extern "C" fn(
        Ctx,
        c_int,
        *const c_uchar,
        c_int,
        *const c_uchar,
        c_int,
        c_int,
        c_int,
        *mut c_uchar,
    ) -> c_int,
    #[allow(clippy::type_complexity)]
    cipher: unsafe extern "C" fn(
        Ctx,
        c_int,
        *const c_uchar,
        c_int,
        *const c_uchar,
        *const c_uchar,
        c_int,
        *mut c_uchar,
    ) -> c_int,
    get_cipher: unsafe extern "C" fn(Ctx) -> *const c_char,
    get_key_sz: unsafe extern "C" fn(Ctx) -> c_int,
    get_iv_sz: unsafe extern "C" fn(Ctx) -> c_int,
    get_block_sz: unsafe extern "C" fn(Ctx) -> c_int,
    get_hmac_sz: unsafe extern "C" fn(Ctx, c_int) -> c_int,
    ctx_init: unsafe extern "C" fn(*mut Ctx) -> c_int,
    ctx_free: unsafe extern "C" fn(*mut Ctx) -> c_int,
    fips_status: unsafe extern "C" fn(Ctx) -> c_int,
    get_provider_version: unsafe extern "C" fn(Ctx) -> *const c_char,
    next: *mut Provider,
}

/// Fills in SQLCipher's provider table (it allocated `p`, uninitialised).
///
/// # Safety
/// `p` points to memory for one `sqlcipher_provider`, as SQLCipher passes it.
#[no_mangle]
pub unsafe extern "C" fn fieldcase_sqlcipher_setup(p: *mut Provider) -> c_int {
    if p.is_null() {
        return ERROR;
    }
    p.write(Provider {
        init: None,
        shutdown: None,
        get_provider_name,
        add_random,
        random,
        hmac,
        kdf,
        cipher,
        get_cipher,
        get_key_sz,
        get_iv_sz,
        get_block_sz,
        get_hmac_sz,
        ctx_init,
        ctx_free,
        fips_status,
        get_provider_version,
        next: std::ptr::null_mut(),
    });
    OK
}

/// Makes sure the linker keeps the provider (SQLCipher refers to it by name only), and that
/// SQLite and SQLCipher are initialised, provider registered, before any connection opens.
///
/// `sqlite3_initialize` sets `isInit` inside its mutex and runs `SQLITE_EXTRA_INIT` (SQLCipher's
/// `sqlcipher_extra_init`, which registers the provider) only after leaving it, so a second
/// thread opening its first connection in between returns early from its own initialisation,
/// finds no provider and fails its `PRAGMA key` ("An error occurred with PRAGMA key or rekey").
/// The simulation's two threads met it once in about ten thousand seeds. One initialisation
/// for the process, which every other opening waits for, closes that gap.
pub(crate) fn ready() -> crate::error::Result<()> {
    static INIT: std::sync::OnceLock<c_int> = std::sync::OnceLock::new();
    std::hint::black_box(fieldcase_sqlcipher_setup as unsafe extern "C" fn(*mut Provider) -> c_int);
    // SAFETY: sqlite3_initialize takes no arguments and may be called at any time.
    let rc = *INIT.get_or_init(|| unsafe { rusqlite::ffi::sqlite3_initialize() });
    if rc == rusqlite::ffi::SQLITE_OK {
        Ok(())
    } else {
        Err(crate::error::Error::Internal(format!(
            "SQLite could not be initialised (code {rc})"
        )))
    }
}

/// A byte slice from SQLCipher's pointer and length (empty for a null pointer or length ≤ 0).
unsafe fn bytes<'a>(p: *const c_uchar, n: c_int) -> &'a [u8] {
    if p.is_null() || n <= 0 {
        &[]
    } else {
        std::slice::from_raw_parts(p, n as usize)
    }
}

unsafe extern "C" fn get_provider_name(_: Ctx) -> *const c_char {
    c"fieldcase-rustcrypto".as_ptr()
}

unsafe extern "C" fn get_provider_version(_: Ctx) -> *const c_char {
    c"aes 0.8, hmac 0.12, pbkdf2 0.12".as_ptr()
}

unsafe extern "C" fn add_random(_: Ctx, _: *const c_void, _: c_int) -> c_int {
    // The operating system's generator needs no seeding from SQLCipher.
    OK
}

unsafe extern "C" fn random(_: Ctx, buffer: *mut c_void, length: c_int) -> c_int {
    if buffer.is_null() || length < 0 {
        return ERROR;
    }
    let out = std::slice::from_raw_parts_mut(buffer as *mut u8, length as usize);
    match getrandom::fill(out) {
        Ok(()) => OK,
        Err(_) => ERROR,
    }
}

fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], a: &[u8], b: &[u8], out: *mut c_uchar) -> c_int {
    let Ok(mut m) = <M as Mac>::new_from_slice(key) else {
        return ERROR;
    };
    m.update(a);
    m.update(b);
    let tag = m.finalize().into_bytes();
    // SAFETY: SQLCipher's buffer holds get_hmac_sz(algorithm) bytes, the tag's length.
    unsafe { std::ptr::copy_nonoverlapping(tag.as_ptr(), out, tag.len()) };
    OK
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn hmac(
    _: Ctx,
    algorithm: c_int,
    key: *const c_uchar,
    key_sz: c_int,
    input: *const c_uchar,
    in_sz: c_int,
    input2: *const c_uchar,
    in2_sz: c_int,
    out: *mut c_uchar,
) -> c_int {
    if input.is_null() || out.is_null() {
        return ERROR;
    }
    let (key, a, b) = (bytes(key, key_sz), bytes(input, in_sz), bytes(input2, in2_sz));
    match algorithm {
        HMAC_SHA256 => mac::<Hmac<Sha256>>(key, a, b, out),
        HMAC_SHA512 => mac::<Hmac<Sha512>>(key, a, b, out),
        // SHA-1 is only for SQLCipher 3 files, which this store never writes.
        _ => ERROR,
    }
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn kdf(
    _: Ctx,
    algorithm: c_int,
    pass: *const c_uchar,
    pass_sz: c_int,
    salt: *const c_uchar,
    salt_sz: c_int,
    rounds: c_int,
    key_sz: c_int,
    key: *mut c_uchar,
) -> c_int {
    if key.is_null() || key_sz <= 0 || rounds <= 0 {
        return ERROR;
    }
    let (pass, salt) = (bytes(pass, pass_sz), bytes(salt, salt_sz));
    let out = std::slice::from_raw_parts_mut(key, key_sz as usize);
    match algorithm {
        HMAC_SHA256 => pbkdf2::pbkdf2_hmac::<Sha256>(pass, salt, rounds as u32, out),
        HMAC_SHA512 => pbkdf2::pbkdf2_hmac::<Sha512>(pass, salt, rounds as u32, out),
        _ => return ERROR,
    }
    OK
}

#[allow(clippy::too_many_arguments)]
unsafe extern "C" fn cipher(
    _: Ctx,
    mode: c_int,
    key: *const c_uchar,
    key_sz: c_int,
    iv: *const c_uchar,
    input: *const c_uchar,
    in_sz: c_int,
    out: *mut c_uchar,
) -> c_int {
    if key.is_null() || iv.is_null() || input.is_null() || out.is_null() || in_sz < 0 {
        return ERROR;
    }
    let n = in_sz as usize;
    if key_sz as usize != KEY_BYTES || !n.is_multiple_of(BLOCK_BYTES) {
        return ERROR;
    }
    let key = std::slice::from_raw_parts(key, KEY_BYTES);
    let iv = std::slice::from_raw_parts(iv, IV_BYTES);
    // Work in place in `out` (SQLCipher's buffers do not overlap, but copy handles it if so).
    std::ptr::copy(input, out, n);
    let buf = std::slice::from_raw_parts_mut(out, n);
    let done = if mode == ENCRYPT {
        cbc::Encryptor::<Aes256>::new(key.into(), iv.into())
            .encrypt_padded_mut::<NoPadding>(buf, n)
            .is_ok()
    } else {
        cbc::Decryptor::<Aes256>::new(key.into(), iv.into())
            .decrypt_padded_mut::<NoPadding>(buf)
            .is_ok()
    };
    if done {
        OK
    } else {
        ERROR
    }
}

unsafe extern "C" fn get_cipher(_: Ctx) -> *const c_char {
    c"aes-256-cbc".as_ptr()
}

unsafe extern "C" fn get_key_sz(_: Ctx) -> c_int {
    KEY_BYTES as c_int
}

unsafe extern "C" fn get_iv_sz(_: Ctx) -> c_int {
    IV_BYTES as c_int
}

unsafe extern "C" fn get_block_sz(_: Ctx) -> c_int {
    BLOCK_BYTES as c_int
}

unsafe extern "C" fn get_hmac_sz(_: Ctx, algorithm: c_int) -> c_int {
    match algorithm {
        HMAC_SHA256 => 32,
        HMAC_SHA512 => 64,
        _ => 0,
    }
}

unsafe extern "C" fn ctx_init(_: *mut Ctx) -> c_int {
    OK
}

unsafe extern "C" fn ctx_free(_: *mut Ctx) -> c_int {
    OK
}

unsafe extern "C" fn fips_status(_: Ctx) -> c_int {
    0
}
