/*
 * crypto.c -- the one door to OpenSSL for hashing, signatures and base64.
 * Keeping libcrypto behind these few functions means one place decides
 * which algorithms km uses (SHA-256; ECDSA or RSA PKCS#1 v1.5 by the key's
 * type), one place refuses a signing key that others can read (as doas
 * refuses an unsafe config), and one place turns OpenSSL's error queue
 * into a km_err and empties it, so that a stale error never surfaces in a
 * later, unrelated call.  Only the EVP interfaces of OpenSSL 3 are used.
 * Key file contents are wiped from memory once parsed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "km-internal.h"
#include "km-ssl.h"

#define KEYFILE_MAX	(64 * 1024)	/* far above any PEM key we use */

/*
 * Sets err to the formatted message followed by ": " and the reason of
 * the last OpenSSL error, if there is one, and empties the error queue.
 * Returns -1.
 */
int
km_ssl_errf(struct km_err *err, enum km_errclass c, const char *fmt, ...)
{
	char msg[256], reason[256];
	unsigned long e;
	const char *r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if ((e = ERR_peek_last_error()) == 0) {
		ERR_clear_error();
		return km_errf(err, c, "%s", msg);
	}
	if ((r = ERR_reason_error_string(e)) == NULL) {
		ERR_error_string_n(e, reason, sizeof(reason));
		r = reason;
	}
	km_errf(err, c, "%s: %s", msg, r);
	ERR_clear_error();
	return -1;
}

/*
 * Writes the SHA-256 of the n bytes at p to out as 64 lower-case hex
 * digits and a NUL.  Returns 0, or -1 if libcrypto fails (out is then "").
 */
int
km_sha256_hex(const void *p, size_t n, char out[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen, i;

	out[0] = '\0';
	if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32) {
		ERR_clear_error();
		return -1;
	}
	for (i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
	}
	out[64] = '\0';
	return 0;
}

/* Refuses to ask for a passphrase: encrypted keys fail to load. */
static int
nopass(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return 0;
}

/*
 * Reads the file open on fd (at most KEYFILE_MAX bytes) into a malloc'd
 * buffer; *len is its length.  Returns 0 or -1 with errno set.
 */
static int
readall(int fd, unsigned char **buf, size_t *len)
{
	unsigned char *b;
	size_t n = 0;
	ssize_t r;

	if ((b = malloc(KEYFILE_MAX + 1)) == NULL)
		return -1;
	for (;;) {
		r = read(fd, b + n, KEYFILE_MAX + 1 - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			km_wipe(b, n);
			free(b);
			return -1;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > KEYFILE_MAX) {
			km_wipe(b, n);
			free(b);
			errno = EFBIG;
			return -1;
		}
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Reads a key file with the checks of km-ssl.h. */
int
km_keyfile_read(const char *path, unsigned char **bufp, size_t *lenp,
    struct km_err *err)
{
	struct stat st;
	unsigned char *buf;
	size_t len;
	int fd;

	*bufp = NULL;
	*lenp = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		km_errf(err, KM_EDATA, "cannot read key '%s': %s", path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		km_errf(err, KM_ESYS, "cannot read key '%s': %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		km_errf(err, KM_EDATA, "key '%s' is not a regular file", path);
		return -1;
	}
	if (st.st_mode & 077) {
		close(fd);
		km_errf(err, KM_EDATA, "key '%s' is readable by others", path);
		return -1;
	}
	if (readall(fd, &buf, &len) == -1) {
		km_errf(err, KM_EDATA, errno == EFBIG ? "key '%s' is too long" :
		    "cannot read key '%s': %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	buf[len] = '\0';
	*bufp = buf;
	*lenp = len;
	return 0;
}

/*
 * Loads the PEM private key (EC or RSA, not encrypted) in path into *kp,
 * to be freed with km_key_free().  The file must be a regular file that
 * neither group nor others may read or write: KM_EDATA otherwise, as for
 * a missing or unreadable file and one that holds no private key.
 */
int
km_key_load(struct km_key **kp, const char *path, struct km_err *err)
{
	unsigned char *buf;
	size_t len;
	BIO *bio;
	EVP_PKEY *pkey;
	int type, encrypted;

	*kp = NULL;
	if (km_keyfile_read(path, &buf, &len, err) == -1)
		return -1;
	pkey = NULL;
	if ((bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
		pkey = PEM_read_bio_PrivateKey(bio, NULL, nopass, NULL);
		BIO_free(bio);
	}
	buf[len] = '\0';
	encrypted = strstr((char *)buf, "ENCRYPTED") != NULL;
	km_wipe(buf, len);
	free(buf);
	if (pkey == NULL) {
		ERR_clear_error();
		if (encrypted)
			return km_errf(err, KM_EDATA, "key '%s' is encrypted: "
			    "passphrases are not supported", path);
		return km_errf(err, KM_EDATA, "key '%s': not a private key",
		    path);
	}
	type = EVP_PKEY_get_base_id(pkey);
	if (type != EVP_PKEY_EC && type != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);
		return km_errf(err, KM_EDATA, "key '%s': not an EC or RSA key",
		    path);
	}
	if ((*kp = calloc(1, sizeof(**kp))) == NULL) {
		EVP_PKEY_free(pkey);
		return km_errf(err, KM_ESYS, "key '%s': %s", path,
		    strerror(errno));
	}
	(*kp)->pkey = pkey;
	return 0;
}

/* Wraps pkey in a struct km_key, taking its reference over. */
struct km_key *
km_key_wrap(EVP_PKEY *pkey)
{
	struct km_key *k;

	if ((k = malloc(sizeof(*k))) == NULL) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	k->pkey = pkey;
	k->engine = NULL;
	k->unref = NULL;
	k->req = NULL;
	return k;
}

/* Frees a key from km_key_load(); NULL is fine. */
void
km_key_free(struct km_key *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pkey);
	if (k->engine != NULL && k->unref != NULL)
		k->unref(k->engine);	/* after the key that uses it */
	X509_REQ_free(k->req);
	free(k);
}

/*
 * Sets up ctx for signing or verifying with k: SHA-256, and for RSA
 * PKCS#1 v1.5 padding.  Returns 0 or -1 (the queue is left to the caller).
 */
static int
ctx_init(EVP_MD_CTX *ctx, struct km_key *k, int sign)
{
	EVP_PKEY_CTX *pctx = NULL;
	int rc;

	if (sign)
		rc = EVP_DigestSignInit(ctx, &pctx, EVP_sha256(), NULL,
		    k->pkey);
	else
		rc = EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL,
		    k->pkey);
	if (rc != 1)
		return -1;
	if (EVP_PKEY_get_base_id(k->pkey) == EVP_PKEY_RSA &&
	    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) <= 0)
		return -1;
	return 0;
}

/*
 * Signs the n bytes at p with k: SHA-256 and ECDSA (a DER signature) for
 * an EC key, RSA PKCS#1 v1.5 for an RSA key.  *sig is malloc'd and
 * *siglen bytes long; the caller frees it.  Returns 0 or -1 (KM_ESYS).
 */
int
km_key_sign(struct km_key *k, const void *p, size_t n, unsigned char **sig,
    size_t *siglen, struct km_err *err)
{
	EVP_MD_CTX *ctx;
	unsigned char *s = NULL;
	size_t len;

	*sig = NULL;
	*siglen = 0;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return km_ssl_errf(err, KM_ESYS, "cannot sign");
	if (ctx_init(ctx, k, 1) == -1 ||
	    EVP_DigestSign(ctx, NULL, &len, p, n) != 1)
		goto fail;
	if ((s = malloc(len)) == NULL) {
		EVP_MD_CTX_free(ctx);
		return km_errf(err, KM_ESYS, "cannot sign: %s",
		    strerror(errno));
	}
	if (EVP_DigestSign(ctx, s, &len, p, n) != 1)
		goto fail;
	EVP_MD_CTX_free(ctx);
	*sig = s;
	*siglen = len;
	return 0;
fail:
	EVP_MD_CTX_free(ctx);
	free(s);
	return km_ssl_errf(err, KM_ESYS, "cannot sign");
}

/*
 * Loads a PEM public key.  A public key is no secret, so its mode is not
 * checked.
 */
int
km_key_load_public(struct km_key **kp, const char *path, struct km_err *err)
{
	BIO *bio;
	EVP_PKEY *pkey;

	*kp = NULL;
	if ((bio = BIO_new_file(path, "r")) == NULL) {
		ERR_clear_error();
		return km_errf(err, KM_EDATA, "cannot read key '%s': %s", path,
		    strerror(errno));
	}
	pkey = PEM_read_bio_PUBKEY(bio, NULL, nopass, NULL);
	BIO_free(bio);
	if (pkey == NULL)
		return km_ssl_errf(err, KM_EDATA, "key '%s': not a public key",
		    path);
	if ((*kp = calloc(1, sizeof(**kp))) == NULL) {
		EVP_PKEY_free(pkey);
		return km_errf(err, KM_ESYS, "out of memory");
	}
	(*kp)->pkey = pkey;
	return 0;
}

/*
 * Verifies that sig (siglen bytes) is k's signature of the n bytes at p,
 * made as km_key_sign() makes them; the public half of k is enough.
 * Returns 0 if it is; -1 with KM_EDATA "signature does not verify" if it
 * is not, or KM_ESYS if libcrypto fails.
 */
int
km_key_verify(struct km_key *k, const void *p, size_t n,
    const unsigned char *sig, size_t siglen, struct km_err *err)
{
	EVP_MD_CTX *ctx;
	int rc;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return km_ssl_errf(err, KM_ESYS, "cannot verify");
	if (ctx_init(ctx, k, 0) == -1) {
		EVP_MD_CTX_free(ctx);
		return km_ssl_errf(err, KM_ESYS, "cannot verify");
	}
	/* 0 is a bad signature; <0 includes one that is not even DER. */
	rc = EVP_DigestVerify(ctx, sig, siglen, p, n);
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	if (rc != 1)
		return km_errf(err, KM_EDATA, "signature does not verify");
	return 0;
}

/*
 * Encodes the n bytes at p as base64 (RFC 4648, with padding, no line
 * breaks) into *out, malloc'd and NUL-terminated.  Returns 0 or -1.
 */
int
km_b64_encode(const unsigned char *p, size_t n, char **out,
    struct km_err *err)
{
	size_t len;
	char *s;

	*out = NULL;
	if (n > (size_t)INT_MAX / 4 * 3)
		return km_errf(err, KM_EDATA, "base64: input too long");
	len = (n + 2) / 3 * 4;
	if ((s = malloc(len + 1)) == NULL)
		return km_errf(err, KM_ESYS, "base64: %s", strerror(errno));
	if (n > 0)
		EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	s[len] = '\0';
	*out = s;
	return 0;
}

static int
b64_value(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Decodes the base64 string s into *out (malloc'd, even when empty) and
 * *outlen.  Strict: only the RFC 4648 alphabet, a length that is a
 * multiple of 4, at most two '=' and only at the end, no whitespace, and
 * zero bits where padding leaves them unused (one string per value).
 * Anything else is KM_EDATA "bad base64".
 */
int
km_b64_decode(const char *s, unsigned char **out, size_t *outlen,
    struct km_err *err)
{
	size_t len = strlen(s), pad = 0, i;
	unsigned char *b;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (len % 4 != 0 || len > INT_MAX)
		return km_errf(err, KM_EDATA, "bad base64");
	if (len > 0 && s[len - 1] == '=')
		pad = s[len - 2] == '=' ? 2 : 1;
	for (i = 0; i < len - pad; i++)
		if (b64_value((unsigned char)s[i]) == -1)
			return km_errf(err, KM_EDATA, "bad base64");
	if ((pad == 2 && (b64_value((unsigned char)s[len - 3]) & 0x0f)) ||
	    (pad == 1 && (b64_value((unsigned char)s[len - 2]) & 0x03)))
		return km_errf(err, KM_EDATA, "bad base64");
	if ((b = malloc(len / 4 * 3 + 1)) == NULL)
		return km_errf(err, KM_ESYS, "base64: %s", strerror(errno));
	rc = len > 0 ? EVP_DecodeBlock(b, (const unsigned char *)s, (int)len) :
	    0;
	if (rc < 0 || (size_t)rc != len / 4 * 3) {
		ERR_clear_error();
		free(b);
		return km_errf(err, KM_EDATA, "bad base64");
	}
	*out = b;
	*outlen = (size_t)rc - pad;
	return 0;
}

/* Overwrites the n bytes at p with zeros in a way the compiler keeps. */
void
km_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}

/*
 * AES-128 for the chip.  CMAC goes through OpenSSL's EVP_MAC; AN10922
 * needs its own padding (to 32 bytes even for a short input), so it is
 * built from AES-ECB blocks here.
 */
struct km_cmac {
	EVP_MAC_CTX	*ctx;
};

int
km_cmac_new(struct km_cmac **cp, const unsigned char key[KM_AES_KEYSZ],
    struct km_err *err)
{
	EVP_MAC *mac;
	OSSL_PARAM params[2];
	struct km_cmac *c;

	*cp = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER,
	    (char *)"AES-128-CBC", 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(NULL, "CMAC", NULL)) == NULL ||
	    (c->ctx = EVP_MAC_CTX_new(mac)) == NULL ||
	    !EVP_MAC_init(c->ctx, key, KM_AES_KEYSZ, params)) {
		EVP_MAC_free(mac);
		km_cmac_free(c);
		return km_ssl_errf(err, KM_ESYS, "cannot start AES-CMAC");
	}
	EVP_MAC_free(mac);
	*cp = c;
	return 0;
}

int
km_cmac_update(struct km_cmac *c, const void *p, size_t n)
{
	return EVP_MAC_update(c->ctx, p, n) ? 0 : -1;
}

int
km_cmac_peek(struct km_cmac *c, const void *tail, size_t taillen,
    unsigned char out[16])
{
	EVP_MAC_CTX *dup;
	size_t n = 0;
	int ok;

	if ((dup = EVP_MAC_CTX_dup(c->ctx)) == NULL)
		return -1;
	ok = (taillen == 0 || EVP_MAC_update(dup, tail, taillen)) &&
	    EVP_MAC_final(dup, out, &n, 16) && n == 16;
	EVP_MAC_CTX_free(dup);
	return ok ? 0 : -1;
}

void
km_cmac_free(struct km_cmac *c)
{
	if (c == NULL)
		return;
	EVP_MAC_CTX_free(c->ctx);
	free(c);
}

int
km_aes_cmac(const unsigned char key[KM_AES_KEYSZ], const void *p, size_t n,
    unsigned char out[16], struct km_err *err)
{
	struct km_cmac *c;
	int rv;

	if (km_cmac_new(&c, key, err) == -1 || c == NULL)
		return -1;
	rv = km_cmac_update(c, p, n) == 0 && km_cmac_peek(c, NULL, 0, out) == 0;
	km_cmac_free(c);
	return rv ? 0 : km_ssl_errf(err, KM_ESYS, "AES-CMAC failed");
}

/* One AES-128 block encryption with a ready ECB context. */
static int
aes_block(EVP_CIPHER_CTX *ctx, const unsigned char in[16],
    unsigned char out[16])
{
	int n = 0;

	return EVP_EncryptUpdate(ctx, out, &n, in, 16) && n == 16 ? 0 : -1;
}

/* The CMAC subkey after k: shifted left one bit, 0x87 folded in on carry. */
static void
subkey(const unsigned char in[16], unsigned char out[16])
{
	int i, carry = in[0] & 0x80;

	for (i = 0; i < 15; i++)
		out[i] = (unsigned char)((in[i] << 1) | (in[i + 1] >> 7));
	out[15] = (unsigned char)(in[15] << 1);
	if (carry)
		out[15] ^= 0x87;
}

int
km_an10922(const unsigned char master[KM_AES_KEYSZ], const unsigned char *m,
    size_t mlen, unsigned char out[KM_AES_KEYSZ], struct km_err *err)
{
	EVP_CIPHER_CTX *ctx;
	unsigned char zero[16] = { 0 }, l[16], k1[16], k2[16], d[32];
	unsigned char x[16] = { 0 }, y[16];
	size_t i, b;
	int rv = -1;

	if (mlen < 1 || mlen > 31)
		return km_errf(err, KM_EDATA, "diversification input of %zu "
		    "bytes (1 to 31)", mlen);
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL ||
	    !EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), NULL, master, NULL) ||
	    !EVP_CIPHER_CTX_set_padding(ctx, 0) || aes_block(ctx, zero, l)) {
		km_ssl_errf(err, KM_ESYS, "cannot diversify");
		goto out;
	}
	subkey(l, k1);
	subkey(k1, k2);
	/* M || 80 00 ... to 32 bytes, the last block with K2. */
	memset(d, 0, sizeof(d));
	memcpy(d, m, mlen);
	d[mlen] = 0x80;
	for (i = 0; i < 16; i++)
		d[16 + i] ^= k2[i];
	for (b = 0; b < 2; b++) {
		for (i = 0; i < 16; i++)
			y[i] = x[i] ^ d[16 * b + i];
		if (aes_block(ctx, y, x)) {
			km_ssl_errf(err, KM_ESYS, "cannot diversify");
			goto out;
		}
	}
	memcpy(out, x, KM_AES_KEYSZ);
	rv = 0;
out:
	km_wipe(l, sizeof(l));
	km_wipe(k1, sizeof(k1));
	km_wipe(k2, sizeof(k2));
	km_wipe(x, sizeof(x));
	km_wipe(y, sizeof(y));
	EVP_CIPHER_CTX_free(ctx);
	return rv;
}

int
km_diversify(const unsigned char master[KM_AES_KEYSZ],
    const unsigned char *uid, size_t uidlen, int keyno,
    unsigned char out[KM_AES_KEYSZ], struct km_err *err)
{
	unsigned char m[31];

	if (uidlen != 4 && uidlen != 7 && uidlen != 10)
		return km_errf(err, KM_EDATA, "chip uid of %zu bytes (4, 7 or "
		    "10)", uidlen);
	if (keyno < 0 || keyno > 255)
		return km_errf(err, KM_EDATA, "key number %d", keyno);
	m[0] = 0x01;
	memcpy(m + 1, uid, uidlen);
	m[1 + uidlen] = 'K';
	m[2 + uidlen] = 'M';
	m[3 + uidlen] = 'A';
	m[4 + uidlen] = (unsigned char)keyno;
	return km_an10922(master, m, uidlen + 5, out, err);
}

static const unsigned char purse_tag[7] = {
	'K', 'M', 'P', 'U', 'R', 'S', 'E'
};

int
km_purse_mac(const unsigned char key[KM_AES_KEYSZ], const unsigned char *uid,
    size_t uidlen, int purse, int op, unsigned counter, int32_t amount,
    int32_t balance, unsigned char mac[KM_MACSZ], struct km_err *err)
{
	unsigned char m[64], full[16];
	size_t n = 0;

	if (uidlen > 10)
		return km_errf(err, KM_EDATA, "chip uid of %zu bytes", uidlen);
	memcpy(m, purse_tag, sizeof(purse_tag));
	n = sizeof(purse_tag);
	m[n++] = (unsigned char)uidlen;
	memcpy(m + n, uid, uidlen);
	n += uidlen;
	m[n++] = (unsigned char)purse;
	m[n++] = (unsigned char)op;
	km_put_be(m + n, counter, 2);
	n += 2;
	km_put_be(m + n, (uint32_t)amount, 4);
	n += 4;
	km_put_be(m + n, (uint32_t)balance, 4);
	n += 4;
	if (km_aes_cmac(key, m, n, full, err) == -1)
		return -1;
	memcpy(mac, full, KM_MACSZ);
	return 0;
}

int
km_aes_block(const unsigned char key[KM_AES_KEYSZ], const unsigned char in[16],
    unsigned char out[16], int decrypt, struct km_err *err)
{
	EVP_CIPHER_CTX *ctx;
	int n = 0, ok;

	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return km_ssl_errf(err, KM_ESYS, "AES failed");
	ok = EVP_CipherInit_ex(ctx, EVP_aes_128_ecb(), NULL, key, NULL,
	    decrypt ? 0 : 1) && EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	    EVP_CipherUpdate(ctx, out, &n, in, 16) && n == 16;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : km_ssl_errf(err, KM_ESYS, "AES failed");
}

static const unsigned char keywrap_tag[9] = {
	'K', 'M', 'K', 'E', 'Y', 'W', 'R', 'A', 'P'
};

int
km_keywrap_key(const unsigned char ks[16], unsigned char kw[16],
    struct km_err *err)
{
	return km_aes_cmac(ks, keywrap_tag, sizeof(keywrap_tag), kw, err);
}
