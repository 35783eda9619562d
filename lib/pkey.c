/*
 * pkey.c -- the key material of the CA and of signers: key pairs made,
 * written as passphrase-protected PKCS#8 files that only their owner may
 * read, read back from such files or found in an HSM through PKCS#11, and
 * public keys parsed, compared and named.  A key is known to the store by
 * its id, the SHA-256 of its DER SubjectPublicKeyInfo, so that the same
 * key reads the same whether it came from a file, a certificate or a
 * token.  Passphrases and PINs come from the caller (struct km_keyopt):
 * nothing here prompts on a terminal, and neither ever appears in a
 * message.  PKCS#11 goes through OpenSSL's ENGINE API and libp11's pkcs11
 * engine, the one route Debian 12 packages for OpenSSL 3.0; that API is
 * deprecated, so this file alone turns the deprecation warnings off.
 */
#define OPENSSL_SUPPRESS_DEPRECATED

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ui.h>
#include <openssl/x509.h>

#include "km-internal.h"
#include "km-ssl.h"

#define PASS_MIN	8		/* bytes of a passphrase, at least */
#define PKCS11_ENGINE	"pkcs11"

static const struct {
	const char	*name;
	const char	*curve;		/* EC: the group; NULL for RSA */
	int		 nid;		/* EC: the curve's NID */
	int		 bits;		/* RSA: the modulus */
} types[KM_NKEYTYPES] = {
	[KM_KEY_NONE] = { "none", NULL, NID_undef, 0 },
	[KM_KEY_EC256] = { "ec256", "P-256", NID_X9_62_prime256v1, 0 },
	[KM_KEY_EC384] = { "ec384", "P-384", NID_secp384r1, 0 },
	[KM_KEY_RSA2048] = { "rsa2048", NULL, NID_undef, 2048 },
	[KM_KEY_RSA3072] = { "rsa3072", NULL, NID_undef, 3072 },
	[KM_KEY_RSA4096] = { "rsa4096", NULL, NID_undef, 4096 },
};

/* Returns the KM_KEY_* of a name, KM_KEY_NONE for NULL or an unknown
 * one. */
int
km_keytype_parse(const char *s)
{
	int t;

	if (s == NULL)
		return KM_KEY_NONE;
	for (t = KM_KEY_NONE + 1; t < KM_NKEYTYPES; t++)
		if (strcmp(s, types[t].name) == 0)
			return t;
	return KM_KEY_NONE;
}

/* Returns the name of a KM_KEY_*: "none" for KM_KEY_NONE or a number out
 * of range.  The string is static. */
const char *
km_keytype_name(int t)
{
	if (t <= KM_KEY_NONE || t >= KM_NKEYTYPES)
		return types[KM_KEY_NONE].name;
	return types[t].name;
}

/*
 * Returns the NID of the curve of an EC key, NID_undef if it is not on a
 * named curve.  Keys from the provider answer the group-name parameter;
 * keys from an ENGINE are legacy EC_KEYs and answer only the old API.
 */
static int
ec_nid(const EVP_PKEY *pkey)
{
	char name[80];
	const EC_KEY *ec;
	const EC_GROUP *g;
	size_t len;
	int nid;

	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME,
	    name, sizeof(name), &len) == 1) {
		if ((nid = OBJ_sn2nid(name)) == NID_undef &&
		    (nid = EC_curve_nist2nid(name)) == NID_undef)
			nid = OBJ_ln2nid(name);
		ERR_clear_error();
		return nid;
	}
	ERR_clear_error();
	if ((ec = EVP_PKEY_get0_EC_KEY(pkey)) == NULL ||
	    (g = EC_KEY_get0_group(ec)) == NULL) {
		ERR_clear_error();
		return NID_undef;
	}
	return EC_GROUP_get_curve_name(g);
}

/* Returns the KM_KEY_* type of k: KM_KEY_NONE for NULL, another
 * algorithm, another curve or another modulus size. */
int
km_key_type(const struct km_key *k)
{
	int t, nid, bits;

	if (k == NULL || k->pkey == NULL)
		return KM_KEY_NONE;
	switch (EVP_PKEY_get_base_id(k->pkey)) {
	case EVP_PKEY_EC:
		nid = ec_nid(k->pkey);
		for (t = KM_KEY_NONE + 1; t < KM_NKEYTYPES; t++)
			if (types[t].curve != NULL && types[t].nid == nid)
				return t;
		break;
	case EVP_PKEY_RSA:
		bits = EVP_PKEY_get_bits(k->pkey);
		for (t = KM_KEY_NONE + 1; t < KM_NKEYTYPES; t++)
			if (types[t].curve == NULL && types[t].bits == bits)
				return t;
		break;
	default:
		break;
	}
	return KM_KEY_NONE;
}

/*
 * Writes a short description of k to buf (sz bytes, NUL-terminated,
 * truncated if need be): the type's name ("ec256"), else "rsa" and the
 * modulus size ("rsa1024"), "ec" and the curve ("ec secp256k1"), or the
 * algorithm ("ED25519"); "none" for NULL.
 */
void
km_key_describe(const struct km_key *k, char *buf, size_t sz)
{
	const char *name;
	int t, nid;

	if (sz == 0)
		return;
	if ((t = km_key_type(k)) != KM_KEY_NONE) {
		snprintf(buf, sz, "%s", types[t].name);
		return;
	}
	if (k == NULL || k->pkey == NULL) {
		snprintf(buf, sz, "none");
		return;
	}
	switch (EVP_PKEY_get_base_id(k->pkey)) {
	case EVP_PKEY_RSA:
		snprintf(buf, sz, "rsa%d", EVP_PKEY_get_bits(k->pkey));
		break;
	case EVP_PKEY_EC:
		nid = ec_nid(k->pkey);
		name = nid == NID_undef ? "explicit" : OBJ_nid2sn(nid);
		snprintf(buf, sz, "ec %s", name != NULL ? name : "unknown");
		break;
	default:
		name = EVP_PKEY_get0_type_name(k->pkey);
		snprintf(buf, sz, "%s", name != NULL ? name : "unknown");
		break;
	}
}

/*
 * Makes a new key pair of type (a KM_KEY_* but KM_KEY_NONE): EC on a named
 * curve, or RSA with the public exponent 65537.  *kp is to be freed with
 * km_key_free().  Returns 0, or -1: KM_EUSAGE for a bad type, KM_ESYS if
 * libcrypto fails.
 */
int
km_key_generate(struct km_key **kp, int type, struct km_err *err)
{
	EVP_PKEY *pkey;

	*kp = NULL;
	if (type <= KM_KEY_NONE || type >= KM_NKEYTYPES)
		return km_errf(err, KM_EUSAGE, "key type %d: not one of "
		    "ec256, ec384, rsa2048, rsa3072, rsa4096", type);
	if (types[type].curve != NULL)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", types[type].curve);
	else
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA",
		    (size_t)types[type].bits);
	if (pkey == NULL)
		return km_ssl_errf(err, KM_ESYS, "cannot make a %s key",
		    types[type].name);
	if ((*kp = km_key_wrap(pkey)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	return 0;
}

/*
 * Writes the private half of k to path as a PKCS#8 PEM file encrypted with
 * AES-256-CBC under pass (a NUL-terminated string of at least 8 bytes;
 * KM_EUSAGE otherwise).  The file is written under a temporary name in the
 * same directory with mode 0600, flushed to disk, and then given its name,
 * so that path either does not exist or holds the whole key.  An existing
 * path is KM_EDATA and is left alone.  A key without its private half (a
 * public key, a key in a token) is KM_EDATA.  Returns 0 or -1.
 */
int
km_key_write(const struct km_key *k, const char *path, const char *pass,
    struct km_err *err)
{
	struct stat st;
	BIO *bio;
	char *pem;
	long pemlen;
	size_t passlen;
	int rc;

	if (pass == NULL || (passlen = strlen(pass)) < PASS_MIN)
		return km_errf(err, KM_EUSAGE, "passphrase for key '%s' is "
		    "shorter than %d bytes", path, PASS_MIN);
	if (passlen > INT_MAX)
		return km_errf(err, KM_EUSAGE, "passphrase for key '%s' is too "
		    "long", path);
	if (lstat(path, &st) == 0)
		return km_errf(err, KM_EDATA, "key '%s' exists", path);
	if (errno != ENOENT)
		return km_errf(err, KM_EDATA, "cannot write key '%s': %s",
		    path, strerror(errno));

	if ((bio = BIO_new(BIO_s_mem())) == NULL)
		return km_ssl_errf(err, KM_ESYS, "cannot write key '%s'", path);
	if (!PEM_write_bio_PKCS8PrivateKey(bio, k->pkey, EVP_aes_256_cbc(),
	    pass, (int)passlen, NULL, NULL)) {
		BIO_free(bio);
		ERR_clear_error();	/* its reason is "malloc failure" */
		return km_errf(err, KM_EDATA, "cannot write key '%s': no "
		    "private key to write", path);
	}
	if ((pemlen = BIO_get_mem_data(bio, &pem)) <= 0) {
		BIO_free(bio);
		return km_ssl_errf(err, KM_ESYS, "cannot write key '%s'", path);
	}

	/* A new file, mode 0600, put in place without replacing one. */
	rc = km_file_write(path, pem, (size_t)pemlen, 0600, KM_FILE_EXCL, err);
	km_wipe(pem, (size_t)pemlen);
	BIO_free(bio);
	return rc;
}

/* What the password callback is given, and what it tells back. */
struct pwarg {
	const char	*pass;		/* NULL: none given */
	int		 asked;		/* the file wanted one */
};

/* Hands OpenSSL the caller's passphrase, never a prompt.  Without one,
 * it notes that one was wanted and fails the decryption. */
static int
pwcb(char *buf, int size, int rwflag, void *u)
{
	struct pwarg *pw = u;
	size_t len;

	(void)rwflag;
	pw->asked = 1;
	if (pw->pass == NULL || size <= 0)
		return 0;
	if ((len = strlen(pw->pass)) > (size_t)size)
		return 0;
	memcpy(buf, pw->pass, len);
	return (int)len;
}

/* km_key_open() for a PEM file. */
static int
open_file(struct km_key **kp, const char *path, const char *pass,
    struct km_err *err)
{
	struct pwarg pw = { pass, 0 };
	unsigned char *buf;
	size_t len;
	BIO *bio;
	EVP_PKEY *pkey = NULL;
	int type;

	if (km_keyfile_read(path, &buf, &len, err) == -1)
		return -1;
	if (len <= INT_MAX && (bio = BIO_new_mem_buf(buf, (int)len)) != NULL) {
		pkey = PEM_read_bio_PrivateKey(bio, NULL, pwcb, &pw);
		BIO_free(bio);
	}
	km_wipe(buf, len);
	free(buf);
	if (pkey == NULL) {
		ERR_clear_error();
		if (pw.asked && pass == NULL)
			return km_errf(err, KM_EDATA, "key '%s' is encrypted: "
			    "no passphrase given", path);
		if (pw.asked)
			return km_errf(err, KM_EDATA, "key '%s': wrong "
			    "passphrase", path);
		return km_errf(err, KM_EDATA, "key '%s': not a private key",
		    path);
	}
	type = EVP_PKEY_get_base_id(pkey);
	if (type != EVP_PKEY_EC && type != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);
		return km_errf(err, KM_EDATA, "key '%s': not an EC or RSA key",
		    path);
	}
	if ((*kp = km_key_wrap(pkey)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	return 0;
}

/*
 * Copies the URI uri to buf (sz bytes; 0 if it does not fit) without the
 * attributes named in drop (a NULL-terminated list), which are separated
 * by ';' in its path and '&' in its query: without "pin-value", a URI can
 * go into a message; without "object" and "id", it names a token only.
 * Returns -1 if buf is too short.
 */
static int
uri_drop(const char *uri, const char *const *drop, char *buf, size_t sz)
{
	const char *p, *end, *const *d;
	size_t o, n, dl;
	int query = 0, first = 1, keep;

	if (sz <= 7 || strncmp(uri, "pkcs11:", 7) != 0)
		return -1;
	memcpy(buf, "pkcs11:", 7);
	o = 7;
	for (p = uri + 7; ; p = end + 1) {
		end = p + strcspn(p, query ? "&" : ";?");
		n = (size_t)(end - p);
		keep = n > 0;
		for (d = drop; *d != NULL && keep; d++) {
			dl = strlen(*d);
			if (n > dl && strncmp(p, *d, dl) == 0 && p[dl] == '=')
				keep = 0;
		}
		if (keep) {
			/* ';' or '&' between attributes, '?' before the
			 * first one of the query. */
			if (o + 1 + n >= sz)
				return -1;
			if (query && first)
				buf[o++] = '?';
			else if (!first)
				buf[o++] = query ? '&' : ';';
			memcpy(buf + o, p, n);
			o += n;
			first = 0;
		}
		if (*end == '\0')
			break;
		if (*end == '?') {
			query = 1;
			first = 1;
		}
	}
	buf[o] = '\0';
	return 0;
}

/* Lets the engine of a pkcs11 key go: km_key_free() calls it after the
 * key itself is freed. */
static void
engine_unref(ENGINE *e)
{
	ENGINE_finish(e);
	ENGINE_free(e);
}

/* A UI reader that never asks: libp11 wants a PIN nobody gave.  It notes
 * that in the int its user data points to. */
static int
ui_refuse(UI *ui, UI_STRING *uis)
{
	int *asked;

	(void)uis;
	if ((asked = UI_get0_user_data(ui)) != NULL)
		*asked = 1;
	return 0;
}

/* The PKCS#11 return values (CKR_*) that pkcs11_err() tells apart. */
#define CKR_DEVICE_REMOVED	0x32
#define CKR_PIN_INCORRECT	0xa0
#define CKR_PIN_INVALID		0xa1
#define CKR_PIN_LEN_RANGE	0xa2
#define CKR_PIN_EXPIRED		0xa3
#define CKR_PIN_LOCKED		0xa4
#define CKR_TOKEN_NOT_PRESENT	0xe0

/*
 * Reads why ENGINE_load_private_key() failed from OpenSSL's error queue,
 * and empties it.  libp11 puts a module's CKR_* there as the reason of its
 * library "PKCS#11 module", and its own failures under "pkcs11 engine"
 * and "libp11".  Returns the CKR_* (0 if none); *nomodule is set if the
 * module could not be loaded.
 */
static unsigned long
pkcs11_reason(int *nomodule)
{
	unsigned long e, ckr = 0;
	const char *lib, *r;

	*nomodule = 0;
	while ((e = ERR_get_error()) != 0) {
		lib = ERR_lib_error_string(e);
		r = ERR_reason_error_string(e);
		if (lib != NULL && strcmp(lib, "PKCS#11 module") == 0)
			ckr = (unsigned long)ERR_GET_REASON(e);
		else if (r != NULL &&
		    strstr(r, "Unable to load PKCS#11 module") != NULL)
			*nomodule = 1;
	}
	return ckr;
}

/* Loads the private key uri with the engine e, a PIN refused if asked
 * for (*asked then set). */
static EVP_PKEY *
engine_load(ENGINE *e, const char *uri, int *asked)
{
	UI_METHOD *ui;
	EVP_PKEY *pkey;

	if ((ui = UI_create_method("km")) == NULL)
		return NULL;
	if (UI_method_set_reader(ui, ui_refuse) != 0) {
		UI_destroy_method(ui);
		return NULL;
	}
	pkey = ENGINE_load_private_key(e, uri, ui, asked);
	UI_destroy_method(ui);
	return pkey;
}

/*
 * Sets err from why the key uri could not be loaded with e (ref is uri
 * without its PIN).  libp11 reports a token that is not there as it
 * reports an object that is not there, so the token alone is then tried
 * (uri without its object and id): if it gives a key, it was the object.
 * Returns -1.
 */
static int
pkcs11_err(ENGINE *e, const char *uri, const char *ref,
    const struct km_keyopt *opt, int asked, struct km_err *err)
{
	static const char *const objattr[] = { "object", "id", NULL };
	char token[1024];
	EVP_PKEY *pkey;
	unsigned long ckr;
	int nomodule;

	ckr = pkcs11_reason(&nomodule);
	switch (ckr) {
	case CKR_PIN_INCORRECT:
	case CKR_PIN_INVALID:
	case CKR_PIN_LEN_RANGE:
		return km_errf(err, KM_EDATA, "key '%s': wrong PIN", ref);
	case CKR_PIN_LOCKED:
		return km_errf(err, KM_EDATA, "key '%s': PIN locked", ref);
	case CKR_PIN_EXPIRED:
		return km_errf(err, KM_EDATA, "key '%s': PIN expired", ref);
	case CKR_TOKEN_NOT_PRESENT:
	case CKR_DEVICE_REMOVED:
		return km_errf(err, KM_ETEMP, "key '%s': token removed", ref);
	default:
		break;
	}
	if (nomodule)
		return km_errf(err, KM_EDATA, "key '%s': cannot load pkcs11 "
		    "module '%s'", ref, opt->module != NULL ? opt->module :
		    "(default)");
	if (asked)
		return km_errf(err, KM_EDATA, "key '%s': no PIN given", ref);
	if (ckr != 0)
		return km_errf(err, KM_EDATA, "key '%s': pkcs11 module "
		    "error 0x%lx", ref, ckr);
	if (uri_drop(uri, objattr, token, sizeof(token)) == 0 &&
	    strcmp(token, uri) != 0) {
		pkey = engine_load(e, token, &asked);
		ERR_clear_error();
		if (pkey != NULL) {
			EVP_PKEY_free(pkey);
			return km_errf(err, KM_EDATA,
			    "key '%s': no such object", ref);
		}
	}
	return km_errf(err, KM_EDATA, "key '%s': no such token (or no key "
	    "in it)", ref);
}

/* km_key_open() for an RFC 7512 URI, through libp11's engine. */
static int
open_pkcs11(struct km_key **kp, const char *uri, const struct km_keyopt *opt,
    struct km_err *err)
{
	static const char *const pinattr[] = { "pin-value", NULL };
	char ref[512];
	struct stat st;
	ENGINE *e;
	EVP_PKEY *pkey;
	int type, asked = 0;

	if (uri_drop(uri, pinattr, ref, sizeof(ref)) == -1)
		snprintf(ref, sizeof(ref), "pkcs11:...");
	if (opt->module != NULL && stat(opt->module, &st) == -1)
		return km_errf(err, KM_EDATA, "key '%s': pkcs11 module '%s': "
		    "%s", ref, opt->module, strerror(errno));
	if (opt->module != NULL && !S_ISREG(st.st_mode))
		return km_errf(err, KM_EDATA, "key '%s': pkcs11 module '%s' "
		    "is not a regular file", ref, opt->module);
	ERR_clear_error();
	if ((e = ENGINE_by_id(PKCS11_ENGINE)) == NULL)
		return km_ssl_errf(err, KM_EDATA, "key '%s': no OpenSSL "
		    "engine '%s' (libengine-pkcs11-openssl)", ref,
		    PKCS11_ENGINE);
	/* libp11 writes its complaints to stderr unless told not to. */
	(void)ENGINE_ctrl_cmd_string(e, "QUIET", NULL, 1);
	if ((opt->module != NULL &&
	    !ENGINE_ctrl_cmd_string(e, "MODULE_PATH", opt->module, 0)) ||
	    (opt->pin != NULL && !ENGINE_ctrl_cmd_string(e, "PIN", opt->pin,
	    0))) {
		ENGINE_free(e);
		return km_ssl_errf(err, KM_ESYS, "key '%s': cannot set up "
		    "engine '%s'", ref, PKCS11_ENGINE);
	}
	if (!ENGINE_init(e)) {
		ENGINE_free(e);
		return km_ssl_errf(err, KM_EDATA, "key '%s': cannot start "
		    "engine '%s'", ref, PKCS11_ENGINE);
	}
	ERR_clear_error();
	if ((pkey = engine_load(e, uri, &asked)) == NULL) {
		pkcs11_err(e, uri, ref, opt, asked, err);
		engine_unref(e);
		return -1;
	}
	ERR_clear_error();
	type = EVP_PKEY_get_base_id(pkey);
	if (type != EVP_PKEY_EC && type != EVP_PKEY_RSA) {
		EVP_PKEY_free(pkey);
		engine_unref(e);
		return km_errf(err, KM_EDATA, "key '%s': not an EC or RSA key",
		    ref);
	}
	if ((*kp = km_key_wrap(pkey)) == NULL) {
		engine_unref(e);
		return km_errf(err, KM_ESYS, "out of memory");
	}
	(*kp)->engine = e;
	(*kp)->unref = engine_unref;
	return 0;
}

/*
 * Opens the private key named by ref (see km.h).  *kp is to be freed with
 * km_key_free(); a key from a token keeps the engine in use until then.
 * opt may be NULL: no passphrase, module or PIN.  Without opt->module
 * libp11 uses its default module (p11-kit's proxy).  What libp11 keeps
 * for the life of the process: the first module it loaded, and the login
 * to a token, so that a later key of a token already logged in to opens
 * whatever the PIN (libp11 does not log in again; FORCE_LOGIN does not
 * change that).  One key per process checks its PIN.
 */
int
km_key_open(struct km_key **kp, const char *ref, const struct km_keyopt *opt,
    struct km_err *err)
{
	static const struct km_keyopt none = { NULL, NULL, NULL };

	*kp = NULL;
	if (opt == NULL)
		opt = &none;
	if (strncmp(ref, "pkcs11:", 7) == 0)
		return open_pkcs11(kp, ref, opt, err);
	return open_file(kp, ref, opt->passphrase, err);
}

/*
 * Parses n bytes of a public key: PEM with the label "PUBLIC KEY", or a
 * DER SubjectPublicKeyInfo and nothing after it.  *kp holds the public key
 * only.  Anything else is KM_EDATA "not a public key".
 */
int
km_pubkey_parse(struct km_key **kp, const unsigned char *p, size_t n,
    struct km_err *err)
{
	const unsigned char *q = p;
	struct pwarg pw = { NULL, 0 };
	EVP_PKEY *pkey = NULL;
	BIO *bio;
	size_t i;

	*kp = NULL;
	if (n == 0 || n > INT_MAX)
		return km_errf(err, KM_EDATA, "not a public key");
	for (i = 0; i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' ||
	    p[i] == '\n'); i++)
		;
	if (n - i >= 5 && memcmp(p + i, "-----", 5) == 0) {
		if ((bio = BIO_new_mem_buf(p, (int)n)) == NULL)
			return km_ssl_errf(err, KM_ESYS, "out of memory");
		/* Without a callback OpenSSL would ask on the terminal
		 * for the passphrase of an encrypted private key. */
		pkey = PEM_read_bio_PUBKEY(bio, NULL, pwcb, &pw);
		BIO_free(bio);
	} else if ((pkey = d2i_PUBKEY(NULL, &q, (long)n)) != NULL &&
	    q != p + n) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	ERR_clear_error();
	if (pkey == NULL)
		return km_errf(err, KM_EDATA, "not a public key");
	if ((*kp = km_key_wrap(pkey)) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	return 0;
}

/*
 * Writes the public half of k as PEM ("-----BEGIN PUBLIC KEY-----") to
 * *pem, malloc'd and NUL-terminated; the caller frees it.  Returns 0 or
 * -1 (KM_ESYS).
 */
int
km_key_public_pem(const struct km_key *k, char **pem, struct km_err *err)
{
	BIO *bio;
	char *data, *s;
	long len;

	*pem = NULL;
	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    !PEM_write_bio_PUBKEY(bio, k->pkey) ||
	    (len = BIO_get_mem_data(bio, &data)) <= 0) {
		BIO_free(bio);
		return km_ssl_errf(err, KM_ESYS, "cannot encode public key");
	}
	if ((s = malloc((size_t)len + 1)) == NULL) {
		BIO_free(bio);
		return km_errf(err, KM_ESYS, "out of memory");
	}
	memcpy(s, data, (size_t)len);
	s[len] = '\0';
	BIO_free(bio);
	*pem = s;
	return 0;
}

/*
 * Writes the id of k to hex: the SHA-256 of its DER SubjectPublicKeyInfo
 * (what `openssl pkey -pubout -outform DER | sha256sum` prints), 64
 * lower-case hex digits and a NUL.  Returns 0 or -1 (KM_ESYS).
 */
int
km_key_id(const struct km_key *k, char hex[65], struct km_err *err)
{
	unsigned char *der = NULL;
	int len;

	hex[0] = '\0';
	if ((len = i2d_PUBKEY(k->pkey, &der)) <= 0)
		return km_ssl_errf(err, KM_ESYS, "cannot encode public key");
	if (km_sha256_hex(der, (size_t)len, hex) == -1) {
		OPENSSL_free(der);
		return km_errf(err, KM_ESYS, "cannot hash public key");
	}
	OPENSSL_free(der);
	return 0;
}

/*
 * Returns 1 if a and b hold the same public key (the private halves, if
 * any, are not looked at), 0 if not or if either is NULL.  Keys OpenSSL
 * cannot compare directly (one from a token, one from a file) are compared
 * by their DER SubjectPublicKeyInfo.
 */
int
km_key_same(const struct km_key *a, const struct km_key *b)
{
	unsigned char *da = NULL, *db = NULL;
	int la, lb, rc;

	if (a == NULL || b == NULL || a->pkey == NULL || b->pkey == NULL)
		return 0;
	rc = EVP_PKEY_eq(a->pkey, b->pkey);
	if (rc >= 0) {
		ERR_clear_error();
		return rc == 1;
	}
	la = i2d_PUBKEY(a->pkey, &da);
	lb = i2d_PUBKEY(b->pkey, &db);
	rc = la > 0 && la == lb && memcmp(da, db, (size_t)la) == 0;
	OPENSSL_free(da);
	OPENSSL_free(db);
	ERR_clear_error();
	return rc;
}
