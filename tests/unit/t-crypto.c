/*
 * t-crypto.c -- SHA-256 vectors, keys made and checked by the openssl
 * command (signatures verified both ways), the refusals of km_key_load(),
 * and base64.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include "km.h"
#include "tap.h"

static char dir[] = "/tmp/t-crypto.XXXXXX";
static char path[512], cmd[2048];

static const char *
P(const char *name)
{
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return path;
}

static int
run(const char *fmt, ...) KM_PRINTF(1, 2);

/* Runs the shell command made from fmt; returns its wait status. */
static int
run(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static int
writefile(const char *name, const void *p, size_t n, mode_t mode)
{
	FILE *fp;
	int rc;

	if ((fp = fopen(P(name), "w")) == NULL)
		return -1;
	rc = fwrite(p, 1, n, fp) == n ? 0 : -1;
	if (fclose(fp) == EOF)
		rc = -1;
	if (chmod(P(name), mode) == -1)
		rc = -1;
	return rc;
}

static unsigned char *
readfile(const char *name, size_t *n)
{
	static unsigned char buf[4096];
	FILE *fp;

	if ((fp = fopen(P(name), "r")) == NULL)
		return NULL;
	*n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	return buf;
}

static void
test_sha256(void)
{
	char hex[65];

	is(km_sha256_hex("", 0, hex), 0, "sha256: empty ok");
	is_str(hex,
	    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	    "sha256: empty");
	is(km_sha256_hex("abc", 3, hex), 0, "sha256: abc ok");
	is_str(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
	    "sha256: abc");
	km_sha256_hex("abcdbcdecdefdefgefghfghighijhijk"
	    "ijkljklmklmnlmnomnopnopq", 56, hex);
	is_str(hex,
	    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "sha256: 448-bit vector");
}

/* Signs, verifies, and has openssl check our signature and make one. */
static void
test_sign(const char *name, const char *genopts, int rsa)
{
	static const char data[] = "hotlist 7\n9001000000000001 lost\n";
	struct km_key *k;
	struct km_err e;
	unsigned char *sig, *sig2, *osig;
	size_t siglen, siglen2, osiglen;
	char key[64], pub[64];

	snprintf(key, sizeof(key), "%s.pem", name);
	snprintf(pub, sizeof(pub), "%s.pub", name);
	is(run("openssl genpkey %s -out %s/%s 2>/dev/null && "
	    "openssl pkey -in %s/%s -pubout -out %s/%s 2>/dev/null",
	    genopts, dir, key, dir, key, dir, pub), 0, "%s: openssl genpkey",
	    name);
	ok(chmod(P(key), 0600) == 0, "%s: chmod 600", name);

	if (!ok(km_key_load(&k, P(key), &e) == 0, "%s: key loads", name)) {
		printf("#   %s\n", e.msg);
		return;
	}
	is(km_key_sign(k, data, strlen(data), &sig, &siglen, &e), 0,
	    "%s: sign", name);
	ok(sig != NULL && siglen > 0, "%s: a signature", name);
	if (rsa)
		is(siglen, 256, "%s: RSA-2048 signature is 256 bytes", name);
	else
		ok(siglen >= 8 && siglen <= 72 && sig[0] == 0x30,
		    "%s: ECDSA signature is DER", name);
	is(km_key_verify(k, data, strlen(data), sig, siglen, &e), 0,
	    "%s: verifies", name);

	/* Deterministic padding shows PKCS#1 v1.5 rather than PSS. */
	if (rsa) {
		km_key_sign(k, data, strlen(data), &sig2, &siglen2, &e);
		ok(siglen2 == siglen && memcmp(sig, sig2, siglen) == 0,
		    "%s: PKCS#1 v1.5 is deterministic", name);
		free(sig2);
	}

	/* The real openssl agrees, both ways. */
	writefile("data", data, strlen(data), 0600);
	writefile("sig.der", sig, siglen, 0600);
	is(run("openssl dgst -sha256 -verify %s/%s -signature %s/sig.der "
	    "%s/data >/dev/null 2>&1", dir, pub, dir, dir), 0,
	    "%s: openssl dgst -verify accepts our signature", name);
	is(run("openssl dgst -sha256 -sign %s/%s -out %s/osig.der %s/data",
	    dir, key, dir, dir), 0, "%s: openssl dgst -sign", name);
	osig = readfile("osig.der", &osiglen);
	ok(osig != NULL && km_key_verify(k, data, strlen(data), osig, osiglen,
	    &e) == 0, "%s: we accept openssl's signature", name);

	/* Flipped bytes, other data, truncation. */
	sig[siglen / 2] ^= 0x01;
	e.eclass = KM_EOK;
	is(km_key_verify(k, data, strlen(data), sig, siglen, &e), -1,
	    "%s: flipped byte in the middle fails", name);
	is(e.eclass, KM_EDATA, "%s: ... as KM_EDATA", name);
	is_str(e.msg, "signature does not verify", "%s: ... message", name);
	ok(ERR_peek_error() == 0, "%s: ... error queue empty", name);
	sig[siglen / 2] ^= 0x01;
	sig[siglen - 1] ^= 0x80;
	is(km_key_verify(k, data, strlen(data), sig, siglen, &e), -1,
	    "%s: flipped last byte fails", name);
	sig[siglen - 1] ^= 0x80;
	sig[0] ^= 0xff;
	is(km_key_verify(k, data, strlen(data), sig, siglen, &e), -1,
	    "%s: flipped first byte fails", name);
	sig[0] ^= 0xff;
	is(km_key_verify(k, data, strlen(data) - 1, sig, siglen, &e), -1,
	    "%s: other data fails", name);
	is(km_key_verify(k, data, strlen(data), sig, siglen - 1, &e), -1,
	    "%s: truncated signature fails", name);
	is(km_key_verify(k, data, strlen(data), sig, 0, &e), -1,
	    "%s: empty signature fails", name);
	ok(ERR_peek_error() == 0, "%s: error queue empty", name);
	is(km_key_verify(k, data, strlen(data), sig, siglen, &e), 0,
	    "%s: restored signature verifies again", name);

	/* Signing the empty message works too. */
	free(sig);
	ok(km_key_sign(k, "", 0, &sig, &siglen, &e) == 0 &&
	    km_key_verify(k, "", 0, sig, siglen, &e) == 0,
	    "%s: empty message", name);
	free(sig);
	km_key_free(k);
}

/* Expects the load of name to fail with "pre<path>post". */
static void
expect_refused(const char *name, const char *pre, const char *post,
    const char *what)
{
	struct km_key *k = (struct km_key *)&k;
	struct km_err e;
	char msg[1024];

	memset(&e, 0, sizeof(e));
	snprintf(msg, sizeof(msg), "%s%s%s", pre, P(name), post);
	is(km_key_load(&k, P(name), &e), -1, "load refuses %s", what);
	ok(k == NULL, "... and sets *key to NULL");
	is(e.eclass, KM_EDATA, "... as KM_EDATA");
	is_str(e.msg, msg, "... with the message");
	ok(ERR_peek_error() == 0, "... leaving no OpenSSL error");
}

static void
test_load_refusals(void)
{
	static const char garbage[] = "this is not a key\n\x01\x02\x03";
	static const mode_t modes[] = { 0644, 0640, 0604, 0620, 0602, 0700 };
	char name[32], want[64];
	size_t i;

	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		snprintf(name, sizeof(name), "mode%o.pem", (unsigned)modes[i]);
		snprintf(want, sizeof(want), "mode %o", (unsigned)modes[i]);
		run("cp %s/ec.pem %s/%s", dir, dir, name);
		chmod(P(name), modes[i]);
		if (modes[i] == 0700) {
			struct km_key *k;
			struct km_err e;

			ok(km_key_load(&k, P(name), &e) == 0,
			    "load accepts mode 700");
			km_key_free(k);
		} else
			expect_refused(name, "key '", "' is readable by others",
			    want);
	}

	writefile("garbage.pem", garbage, sizeof(garbage) - 1, 0600);
	expect_refused("garbage.pem", "key '", "': not a private key",
	    "a garbage file");
	writefile("empty.pem", "", 0, 0600);
	expect_refused("empty.pem", "key '", "': not a private key",
	    "an empty file");
	run("cp %s/ec.pub %s/pubonly.pem", dir, dir);
	chmod(P("pubonly.pem"), 0600);
	expect_refused("pubonly.pem", "key '", "': not a private key",
	    "a public key");
	expect_refused("missing.pem",
	    "cannot read key '", "': No such file or directory",
	    "a missing file");
	mkdir(P("adir"), 0700);
	expect_refused("adir", "key '", "' is not a regular file",
	    "a directory");

	/* No passphrase prompt: stdin is /dev/null and the load fails. */
	is(run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 "
	    "-aes256 -pass pass:secret -out %s/enc.pem 2>/dev/null", dir), 0,
	    "openssl genpkey encrypted");
	chmod(P("enc.pem"), 0600);
	expect_refused("enc.pem",
	    "key '", "' is encrypted: passphrases are not supported",
	    "an encrypted key");

	is(run("openssl genpkey -algorithm ED25519 -out %s/ed.pem 2>/dev/null",
	    dir), 0, "openssl genpkey ed25519");
	chmod(P("ed.pem"), 0600);
	expect_refused("ed.pem", "key '", "': not an EC or RSA key",
	    "an Ed25519 key");
}

static void
test_b64(void)
{
	static const struct {
		const char *in, *out;
	} vec[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};
	static const char *const bad[] = {
		"Z", "Zg", "Zg=", "Zm9vY", "Zg=a", "Z===", "====", "Zm9v====",
		"Zh==", "Zm9=", "Zm9v\n", " Zm9v", "Zm9v ", "Zm 9", "Zm9-",
		"Zm9_", "Zm9\x80", "=Zm9", "Zg==Zm9v", "Zm==", "Z=8=",
	};
	unsigned char data[300], *dec;
	struct km_err e;
	size_t i, n, declen;
	char *enc;
	int fails = 0;

	for (i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		n = strlen(vec[i].in);
		is(km_b64_encode((const unsigned char *)vec[i].in, n, &enc, &e),
		    0, "b64: encode '%s'", vec[i].in);
		is_str(enc, vec[i].out, "b64: encode '%s'", vec[i].in);
		free(enc);
		is(km_b64_decode(vec[i].out, &dec, &declen, &e), 0,
		    "b64: decode '%s'", vec[i].out);
		ok(dec != NULL && declen == n && memcmp(dec, vec[i].in, n) == 0,
		    "b64: decode '%s' gives %zu bytes", vec[i].out, n);
		free(dec);
	}

	/* Round trips of every length from 0 to 300, random bytes. */
	srand(64);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)rand();
	for (n = 0; n <= sizeof(data); n++) {
		enc = NULL;
		dec = NULL;
		if (km_b64_encode(data, n, &enc, &e) == -1 ||
		    strlen(enc) != (n + 2) / 3 * 4 ||
		    strchr(enc, '\n') != NULL ||
		    km_b64_decode(enc, &dec, &declen, &e) == -1 ||
		    declen != n || memcmp(dec, data, n) != 0)
			fails++;
		free(enc);
		free(dec);
	}
	is(fails, 0, "b64: round trips of lengths 0 to 300");

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dec = (unsigned char *)&dec;
		memset(&e, 0, sizeof(e));
		ok(km_b64_decode(bad[i], &dec, &declen, &e) == -1 &&
		    dec == NULL && e.eclass == KM_EDATA &&
		    strcmp(e.msg, "bad base64") == 0,
		    "b64: refuses bad input %zu", i);
		free(dec);	/* NULL unless the test failed */
	}
}

static void
test_wipe(void)
{
	unsigned char buf[33];
	size_t i;
	int nz = 0;

	memset(buf, 0xa5, sizeof(buf));
	km_wipe(buf, sizeof(buf) - 1);
	for (i = 0; i < sizeof(buf) - 1; i++)
		nz += buf[i] != 0;
	is(nz, 0, "wipe: zeroes the bytes");
	is(buf[sizeof(buf) - 1], 0xa5, "wipe: and no more");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (freopen("/dev/null", "r", stdin) == NULL)
		return 1;
	test_sha256();
	test_sign("ec", "-algorithm EC -pkeyopt ec_paramgen_curve:P-256", 0);
	test_sign("rsa", "-algorithm RSA -pkeyopt rsa_keygen_bits:2048", 1);
	test_load_refusals();
	test_b64();
	test_wipe();
	run("rm -rf %s", dir);
	return done();
}
