/*
 * t-pkey.c -- key pairs of every type made and described; encrypted
 * PKCS#8 files written, read back (signatures checked both ways) and read
 * by the openssl command; the refusals of km_key_write() and
 * km_key_open(); public keys parsed from what `openssl pkey -pubout`
 * writes, and their ids checked against sha256sum; and a key in a SoftHSM2
 * token made by scripts/km-softhsm, opened by its URI, used and refused.
 */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "km.h"
#include "tap.h"

#define PASS	"correct horse battery"
#define PIN	"4321"
#define MODULE	"/usr/lib/softhsm/libsofthsm2.so"
#define NPKCS11	16	/* the tests test_pkcs11() runs */

static char dir[] = "/tmp/t-pkey.XXXXXX";
static char path[512], cmd[2048], script[1024];

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

static char *
output(const char *fmt, ...) KM_PRINTF(1, 2);

/* The first line the shell command made from fmt prints, without its
 * newline ("" if none); a static buffer. */
static char *
output(const char *fmt, ...)
{
	static char line[1024];
	va_list ap;
	FILE *fp;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	line[0] = '\0';
	if ((fp = popen(cmd, "r")) == NULL)
		return line;
	if (fgets(line, sizeof(line), fp) == NULL)
		line[0] = '\0';
	line[strcspn(line, "\n")] = '\0';
	pclose(fp);
	return line;
}

static unsigned char *
readfile(const char *name, size_t *n)
{
	static unsigned char buf[8192];
	FILE *fp;

	*n = 0;
	if ((fp = fopen(P(name), "r")) == NULL)
		return buf;
	*n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	return buf;
}

/* 1 if a signature by s verifies with v. */
static int
signs_for(struct km_key *s, struct km_key *v)
{
	struct km_err e;
	unsigned char *sig;
	size_t len;
	int rc;

	if (km_key_sign(s, "km", 2, &sig, &len, &e) == -1) {
		printf("# sign: %s\n", e.msg);
		return 0;
	}
	rc = km_key_verify(v, "km", 2, sig, len, &e) == 0;
	if (!rc)
		printf("# verify: %s\n", e.msg);
	free(sig);
	return rc;
}

static void
test_types(void)
{
	struct km_key *k;
	struct km_err e;
	char d[64];
	int t;

	is(km_keytype_parse("ec384"), KM_KEY_EC384, "keytype: parse ec384");
	is(km_keytype_parse("rsa1024"), KM_KEY_NONE, "keytype: rsa1024 unknown");
	is(km_keytype_parse(NULL), KM_KEY_NONE, "keytype: NULL");
	is_str(km_keytype_name(KM_KEY_RSA4096), "rsa4096", "keytype: name");
	is_str(km_keytype_name(99), "none", "keytype: out of range");
	is_str(km_keytype_name(KM_KEY_NONE), "none", "keytype: none");
	for (t = KM_KEY_NONE + 1; t < KM_NKEYTYPES; t++) {
		if (km_key_generate(&k, t, &e) == -1) {
			ok(0, "generate %s: %s", km_keytype_name(t), e.msg);
			continue;
		}
		is(km_key_type(k), t, "generate %s: type", km_keytype_name(t));
		km_key_describe(k, d, sizeof(d));
		is_str(d, km_keytype_name(t), "generate %s: describe",
		    km_keytype_name(t));
		ok(signs_for(k, k), "generate %s: signs",
		    km_keytype_name(t));
		km_key_free(k);
	}
	k = (struct km_key *)&e;
	ok(km_key_generate(&k, KM_KEY_NONE, &e) == -1 &&
	    e.eclass == KM_EUSAGE && k == NULL, "generate none: refused");
	is(km_key_type(NULL), KM_KEY_NONE, "type of NULL");
	km_key_describe(NULL, d, sizeof(d));
	is_str(d, "none", "describe NULL");
}

/* Keys of other sizes and curves, made by openssl, are described. */
static void
test_describe_other(void)
{
	struct km_keyopt o = { NULL, NULL, NULL };
	struct km_key *k;
	struct km_err e;
	char d[64];

	if (run("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 "
	    "-out %s 2>/dev/null && chmod 600 %s", P("rsa1024.pem"), path) !=
	    0 || km_key_open(&k, P("rsa1024.pem"), &o, &e) == -1) {
		ok(0, "describe rsa1024: %s", e.msg);
	} else {
		km_key_describe(k, d, sizeof(d));
		is_str(d, "rsa1024", "describe rsa1024");
		is(km_key_type(k), KM_KEY_NONE, "type of rsa1024");
		km_key_free(k);
	}
	if (run("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:"
	    "secp256k1 -out %s 2>/dev/null && chmod 600 %s", P("k1.pem"),
	    path) != 0 || km_key_open(&k, P("k1.pem"), NULL, &e) == -1) {
		ok(0, "describe secp256k1: %s", e.msg);
	} else {
		km_key_describe(k, d, sizeof(d));
		is_str(d, "ec secp256k1", "describe secp256k1");
		is(km_key_type(k), KM_KEY_NONE, "type of secp256k1");
		km_key_free(k);
	}
	/* Unencrypted, with a passphrase given all the same. */
	o.passphrase = PASS;
	ok(km_key_open(&k, P("k1.pem"), &o, &e) == 0,
	    "open unencrypted with a passphrase");
	km_key_free(k);
}

static void
test_write_open(int type, const char *name)
{
	struct km_keyopt o = { PASS, NULL, NULL };
	struct km_key *k, *r, *pub;
	struct km_err e;
	struct stat st;
	unsigned char *buf;
	size_t n;
	char id[65], want[80], *pem;
	char tn[64];

	if (km_key_generate(&k, type, &e) == -1) {
		ok(0, "%s: generate: %s", name, e.msg);
		return;
	}
	is(km_key_write(k, P(name), PASS, &e), 0, "%s: write", name);
	ok(stat(path, &st) == 0 && (st.st_mode & 07777) == 0600,
	    "%s: mode 0600", name);
	buf = readfile(name, &n);
	ok(n > 0 && strstr((char *)buf, "-----BEGIN ENCRYPTED PRIVATE KEY") !=
	    NULL, "%s: encrypted PKCS#8 PEM", name);
	is(run("openssl pkey -in %s -passin pass:'%s' -noout", P(name), PASS),
	    0, "%s: openssl reads it", name);
	ok(run("openssl pkey -in %s -passin pass:wrongwrong -noout "
	    "2>/dev/null", P(name)) != 0, "%s: openssl needs the passphrase",
	    name);

	if (km_key_open(&r, P(name), &o, &e) == -1) {
		ok(0, "%s: open: %s", name, e.msg);
		km_key_free(k);
		return;
	}
	ok(1, "%s: open", name);
	is(km_key_type(r), type, "%s: type read back", name);
	ok(km_key_same(k, r), "%s: same key read back", name);
	ok(signs_for(r, k), "%s: read back signs, made verifies", name);
	ok(signs_for(k, r), "%s: made signs, read back verifies", name);

	/* The public half, by openssl, as PEM and DER. */
	run("openssl pkey -in %s -passin pass:'%s' -pubout -out %s/%s.pub",
	    P(name), PASS, dir, name);
	run("openssl pkey -in %s -passin pass:'%s' -pubout -outform DER "
	    "-out %s/%s.der", P(name), PASS, dir, name);
	snprintf(tn, sizeof(tn), "%s.pub", name);
	buf = readfile(tn, &n);
	if (km_pubkey_parse(&pub, buf, n, &e) == -1) {
		ok(0, "%s: pubkey PEM: %s", name, e.msg);
	} else {
		ok(km_key_same(pub, k), "%s: pubkey PEM is the key", name);
		ok(signs_for(k, pub), "%s: pubkey PEM verifies", name);
		km_key_free(pub);
	}
	snprintf(tn, sizeof(tn), "%s.der", name);
	buf = readfile(tn, &n);
	if (km_pubkey_parse(&pub, buf, n, &e) == -1) {
		ok(0, "%s: pubkey DER: %s", name, e.msg);
	} else {
		ok(km_key_same(pub, r), "%s: pubkey DER is the key", name);
		km_key_free(pub);
	}
	/* A trailing byte after the DER is refused. */
	buf[n] = 0;
	ok(km_pubkey_parse(&pub, buf, n + 1, &e) == -1 &&
	    e.eclass == KM_EDATA, "%s: DER with a trailing byte refused",
	    name);

	/* The id is what sha256sum says of the DER. */
	is(km_key_id(r, id, &e), 0, "%s: key id", name);
	snprintf(want, sizeof(want), "%s", output("openssl pkey -in %s "
	    "-passin pass:'%s' -pubout -outform DER | sha256sum | cut -c1-64",
	    P(name), PASS));
	is_str(id, want, "%s: key id is sha256sum of the DER", name);

	/* km_key_public_pem() reads back as the same key. */
	if (km_key_public_pem(r, &pem, &e) == -1) {
		ok(0, "%s: public pem: %s", name, e.msg);
	} else {
		ok(strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0,
		    "%s: public pem label", name);
		ok(km_pubkey_parse(&pub, (unsigned char *)pem, strlen(pem),
		    &e) == 0 && km_key_same(pub, k), "%s: public pem parses",
		    name);
		km_key_free(pub);
		free(pem);
	}
	km_key_free(r);
	km_key_free(k);
}

static void
test_refusals(void)
{
	static const char garbage[] = "-----BEGIN PUBLIC KEY-----\nAAAA\n"
	    "-----END PUBLIC KEY-----\n";
	struct km_keyopt o = { "not the one", NULL, NULL };
	struct km_key *k, *r, *other, *pub;
	struct km_err e;
	unsigned char *buf;
	size_t n;
	char want[600];

	if (km_key_generate(&k, KM_KEY_EC256, &e) == -1 ||
	    km_key_generate(&other, KM_KEY_EC256, &e) == -1) {
		ok(0, "refusals: generate: %s", e.msg);
		return;
	}
	ok(!km_key_same(k, other), "same: two keys differ");
	ok(!km_key_same(k, NULL), "same: NULL");

	is(km_key_write(k, P("r.pem"), PASS, &e), 0, "refusals: write");
	r = (struct km_key *)&e;
	ok(km_key_open(&r, P("r.pem"), &o, &e) == -1 && r == NULL &&
	    e.eclass == KM_EDATA, "wrong passphrase refused");
	snprintf(want, sizeof(want), "key '%s': wrong passphrase", P("r.pem"));
	is_str(e.msg, want, "wrong passphrase: message");
	ok(strstr(e.msg, o.passphrase) == NULL, "wrong passphrase: not shown");

	o.passphrase = NULL;
	ok(km_key_open(&r, P("r.pem"), &o, &e) == -1 &&
	    e.eclass == KM_EDATA, "no passphrase refused");
	snprintf(want, sizeof(want), "key '%s' is encrypted: no passphrase "
	    "given", P("r.pem"));
	is_str(e.msg, want, "no passphrase: message");
	ok(km_key_open(&r, P("r.pem"), NULL, &e) == -1 &&
	    e.eclass == KM_EDATA, "no options refused");

	o.passphrase = PASS;
	chmod(P("r.pem"), 0644);
	ok(km_key_open(&r, P("r.pem"), &o, &e) == -1 &&
	    e.eclass == KM_EDATA && strstr(e.msg, "readable by others"),
	    "mode 0644 refused: %s", e.msg);
	chmod(P("r.pem"), 0600);
	ok(km_key_open(&r, dir, &o, &e) == -1 && e.eclass == KM_EDATA,
	    "a directory refused: %s", e.msg);
	ok(km_key_open(&r, P("none.pem"), &o, &e) == -1 &&
	    e.eclass == KM_EDATA, "a missing file refused: %s", e.msg);

	ok(km_key_write(other, P("r.pem"), PASS, &e) == -1 &&
	    e.eclass == KM_EDATA, "existing path refused: %s", e.msg);
	ok(km_key_open(&r, P("r.pem"), &o, &e) == 0 && km_key_same(r, k),
	    "existing path: left alone");
	km_key_free(r);
	ok(km_key_write(k, P("short.pem"), "1234567", &e) == -1 &&
	    e.eclass == KM_EUSAGE, "short passphrase refused: %s", e.msg);
	ok(access(P("short.pem"), F_OK) == -1, "short passphrase: no file");
	ok(km_key_write(k, P("null.pem"), NULL, &e) == -1 &&
	    e.eclass == KM_EUSAGE, "no passphrase to write refused");
	ok(km_key_write(k, P("nodir/k.pem"), PASS, &e) == -1,
	    "missing directory refused: %s", e.msg);
	ok(run("ls -a %s | grep -q '^\\.'[a-z]", dir) != 0,
	    "no temporary files left");

	/* A public key has no private half to write. */
	buf = readfile("ec256.pem.pub", &n);
	if (km_pubkey_parse(&pub, buf, n, &e) == -1) {
		ok(0, "public key: %s", e.msg);
	} else {
		ok(km_key_write(pub, P("pub.pem"), PASS, &e) == -1 &&
		    e.eclass == KM_EDATA, "public key not written: %s",
		    e.msg);
		ok(access(P("pub.pem"), F_OK) == -1, "public key: no file");
		km_key_free(pub);
	}

	/* Not public keys. */
	ok(km_pubkey_parse(&pub, (const unsigned char *)"hello", 5, &e) ==
	    -1 && e.eclass == KM_EDATA && pub == NULL, "garbage refused");
	is_str(e.msg, "not a public key", "garbage: message");
	ok(km_pubkey_parse(&pub, (const unsigned char *)garbage,
	    sizeof(garbage) - 1, &e) == -1 && e.eclass == KM_EDATA,
	    "bad PEM refused");
	ok(km_pubkey_parse(&pub, (const unsigned char *)"", 0, &e) == -1,
	    "empty refused");
	buf = readfile("r.pem", &n);
	ok(km_pubkey_parse(&pub, buf, n, &e) == -1 && e.eclass == KM_EDATA,
	    "private key PEM refused as a public key");
	km_key_free(other);
	km_key_free(k);
}

/* Finds scripts/km-softhsm: beside the test's tree, or from the current
 * directory. */
static void
find_script(const char *argv0)
{
	char a[1024];

	snprintf(a, sizeof(a), "%s", argv0);
	snprintf(script, sizeof(script), "%s/../../scripts/km-softhsm",
	    dirname(a));
	if (access(script, X_OK) == 0)
		return;
	snprintf(script, sizeof(script), "scripts/km-softhsm");
}

static void
skip_pkcs11(const char *why)
{
	int i;

	for (i = 0; i < NPKCS11; i++)
		printf("ok %d - # SKIP %s\n", ++tap_n, why);
}

static void
test_pkcs11(void)
{
	struct km_keyopt o = { NULL, MODULE, PIN };
	struct km_key *k, *pub;
	struct km_err e;
	unsigned char *buf;
	size_t n;
	char uri[512], want[600], conf[600], id[65];
	int before = tap_n;

	if (run("command -v softhsm2-util >/dev/null && "
	    "command -v pkcs11-tool >/dev/null") != 0 ||
	    access(MODULE, R_OK) != 0) {
		skip_pkcs11("softhsm2 or pkcs11-tool not installed");
		return;
	}
	if (access(script, X_OK) != 0) {
		skip_pkcs11("scripts/km-softhsm not found");
		return;
	}
	snprintf(conf, sizeof(conf), "%s", output("%s init %s 'km test' "
	    "12345678 %s", script, P("hsm"), PIN));
	is_str(conf, output("printf 'export SOFTHSM2_CONF=%%s' %s/softhsm2.conf",
	    P("hsm")), "km-softhsm init: prints the export");
	setenv("SOFTHSM2_CONF", strchr(conf, '=') ? strchr(conf, '=') + 1 : "",
	    1);
	snprintf(uri, sizeof(uri), "%s", output("%s keygen %s 'km test' %s "
	    "ec256 01 cakey", script, P("hsm"), PIN));
	is_str(uri, "pkcs11:token=km%20test;object=cakey;type=private",
	    "km-softhsm keygen: prints the URI");
	is(run("%s keygen %s 'km test' %s ec512 02 x 2>/dev/null", script,
	    P("hsm"), PIN), 3 << 8, "km-softhsm keygen: bad type is exit 3");

	/*
	 * The refusals of the PIN first: libp11 logs in once per process,
	 * and does not check the PIN of a token it is logged in to.
	 */
	o.pin = "9999";
	k = (struct km_key *)&e;
	ok(km_key_open(&k, uri, &o, &e) == -1 && e.eclass == KM_EDATA &&
	    k == NULL, "pkcs11: wrong PIN refused");
	km_key_free(k);
	snprintf(want, sizeof(want), "key '%s': wrong PIN", uri);
	is_str(e.msg, want, "pkcs11: wrong PIN message");
	o.pin = NULL;
	ok(km_key_open(&k, "pkcs11:token=km%20test;object=cakey;"
	    "type=private;pin-value=9999", &o, &e) == -1 &&
	    strcmp(e.msg, "key 'pkcs11:token=km%20test;object=cakey;"
	    "type=private': wrong PIN") == 0,
	    "pkcs11: a PIN in the URI is not shown: %s", e.msg);
	km_key_free(k);
	ok(km_key_open(&k, uri, &o, &e) == -1 && e.eclass == KM_EDATA &&
	    strstr(e.msg, "no PIN given") != NULL,
	    "pkcs11: no PIN refused: %s", e.msg);
	km_key_free(k);

	o.pin = PIN;
	if (km_key_open(&k, uri, &o, &e) == -1) {
		ok(0, "pkcs11: open: %s", e.msg);
	} else {
		ok(1, "pkcs11: open");
		is(km_key_type(k), KM_KEY_EC256, "pkcs11: type");
		ok(signs_for(k, k), "pkcs11: signs");
		/* The public key as pkcs11-tool reads it. */
		run("pkcs11-tool --module %s --token-label 'km test' "
		    "--read-object --type pubkey --label cakey -o %s "
		    ">/dev/null 2>&1", MODULE, P("hsm.der"));
		buf = readfile("hsm.der", &n);
		if (km_pubkey_parse(&pub, buf, n, &e) == -1) {
			ok(0, "pkcs11: public key: %s", e.msg);
		} else {
			ok(km_key_same(k, pub), "pkcs11: public key is the "
			    "same");
			ok(signs_for(k, pub), "pkcs11: verifies with the "
			    "public key");
			km_key_free(pub);
		}
		ok(km_key_id(k, id, &e) == 0 && strlen(id) == 64,
		    "pkcs11: key id");
		km_key_free(k);
	}

	ok(km_key_open(&k, "pkcs11:token=km%20test;object=nokey;"
	    "type=private", &o, &e) == -1 && e.eclass == KM_EDATA &&
	    strstr(e.msg, "'pkcs11:token=km%20test;object=nokey;"
	    "type=private': no such object") != NULL,
	    "pkcs11: missing object refused: %s", e.msg);
	km_key_free(k);
	ok(km_key_open(&k, "pkcs11:token=nothere;object=cakey;"
	    "type=private", &o, &e) == -1 && e.eclass == KM_EDATA &&
	    strstr(e.msg, "no such token") != NULL,
	    "pkcs11: missing token refused: %s", e.msg);
	km_key_free(k);
	o.module = "/nonexistent/libsofthsm2.so";
	ok(km_key_open(&k, uri, &o, &e) == -1 && e.eclass == KM_EDATA &&
	    strstr(e.msg, o.module) != NULL && strstr(e.msg, uri) != NULL,
	    "pkcs11: missing module refused: %s", e.msg);
	km_key_free(k);

	if (tap_n - before != NPKCS11)
		printf("# NPKCS11 is %d, ran %d\n", NPKCS11, tap_n - before);
}

int
main(int argc, char *argv[])
{
	(void)argc;
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	find_script(argv[0]);
	test_types();
	test_describe_other();
	test_write_open(KM_KEY_EC256, "ec256.pem");
	test_write_open(KM_KEY_RSA2048, "rsa2048.pem");
	test_refusals();
	test_pkcs11();
	run("rm -rf %s", dir);
	return done();
}
