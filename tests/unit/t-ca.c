/*
 * t-ca.c -- the city's CA (lib/ca.c), in a scratch store under /tmp whose
 * config names a passphrase file and a ca.dir of its own.  kmca-init's
 * work (the files, their modes, the chain checked by the openssl
 * command, the refusals: a CA twice, no passphrase, files in the way);
 * opening the CA with and without keys; certificates for cards from a CSR
 * made by `openssl req` and from a bare public key, checked by `openssl
 * verify`, superseding and the refusals of km_ca_sign(); revocation that
 * follows the card lifecycle, directly and through km_life_apply();
 * km_ca_revoke()'s rules; numbered CRLs read back by `openssl crl`; OCSP
 * answers read back by `openssl ocsp`; a card's certificates; and a
 * document signed with km_doc_sign() and verified with km_ca_verify(),
 * which refuses it once the card is suspended.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "km-internal.h"
#include "tap.h"
#include "pesel.h"

#define PASS "correct horse battery staple"

static char dir[] = "/tmp/t-ca.XXXXXX";
static struct km_cfg *cfg;	/* the store, ca.dir and passphrase file */
static struct km_cfg *cfg_np;	/* the same store, no passphrase_file */
static struct km_cfg *cfg_res;	/* residents may have esignature */
static struct km_db *db;
static struct km_ca *ca;	/* with the issuing and OCSP keys */

/* is() as an expression: true if it passed. */
#define iso(got, want, ...) \
	is_ok((long long)(got), (long long)(want), __LINE__, __VA_ARGS__)

static int is_ok(long long, long long, int, const char *, ...)
    KM_PRINTF(4, 5);

static int
is_ok(long long got, long long want, int line, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int pass;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (!(pass = tap_ok(got == want, __FILE__, line, "%s", buf)))
		printf("#   got %lld, want %lld\n", got, want);
	return pass;
}

static int run(const char *fmt, ...) KM_PRINTF(1, 2);

/* Runs the shell command made from fmt; returns its wait status. */
static int
run(const char *fmt, ...)
{
	char cmd[4 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

/* dir/name in one of a few static buffers. */
static const char *
P(const char *name)
{
	static char buf[8][PATH_MAX];
	static int i;
	char *b = buf[i++ % 8];

	snprintf(b, PATH_MAX, "%s/%s", dir, name);
	return b;
}

/* All of dir/name, malloc'd and NUL-terminated; NULL if unreadable. */
static unsigned char *
slurp(const char *name, size_t *n)
{
	unsigned char *b = NULL, *nb;
	size_t cap = 0, len = 0, r;
	FILE *fp;

	*n = 0;
	if ((fp = fopen(P(name), "r")) == NULL)
		return NULL;
	for (;;) {
		if (len + 1 >= cap) {
			cap = cap ? 2 * cap : 4096;
			if ((nb = realloc(b, cap)) == NULL) {
				free(b);
				fclose(fp);
				return NULL;
			}
			b = nb;
		}
		if ((r = fread(b + len, 1, cap - len - 1, fp)) == 0)
			break;
		len += r;
	}
	fclose(fp);
	b[len] = '\0';
	*n = len;
	return b;
}

static int
spit(const char *name, const void *p, size_t n, mode_t mode)
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

/* Does dir/name hold the text s? */
static int
has(const char *name, const char *s)
{
	unsigned char *b;
	size_t n;
	int rv;

	if ((b = slurp(name, &n)) == NULL)
		return 0;
	rv = strstr((char *)b, s) != NULL;
	free(b);
	return rv;
}

static int
exists(const char *path)
{
	return access(path, F_OK) == 0;
}

static mode_t
mode_of(const char *path)
{
	struct stat st;

	if (stat(path, &st) == -1)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

static long long q_int(const char *fmt, ...) KM_PRINTF(1, 2);

/* The first column of the first row of the query; -999 for no row. */
static long long
q_int(const char *fmt, ...)
{
	sqlite3_stmt *st;
	char q[1024];
	long long v = -999;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(km_db_handle(db), q, -1, &st, NULL) !=
	    SQLITE_OK) {
		printf("# %s: %s\n", q, sqlite3_errmsg(km_db_handle(db)));
		return v;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Writes and loads dir/name. */
static struct km_cfg *
config(const char *name, const char *store, const char *cadir,
    const char *pass, const char *resident)
{
	struct km_cfg *c = NULL;
	struct km_err e;
	FILE *fp;

	if ((fp = fopen(P(name), "w")) == NULL)
		return NULL;
	fprintf(fp, "store:\n  path: %s/%s\n  busy_timeout: 50\n"
	    "roles:\n  clerk: [tester]\n  admin: [tester]\n"
	    "cards:\n  iin: \"123456\"\n  validity_years: 5\n"
	    "  temporary_days: 14\n"
	    "  resident:\n    services: %s\n"
	    "ca:\n  dir: %s/%s\n  name: Test City\n  country: PL\n"
	    "  crl_url: http://ca.example.test/issuing.crl\n"
	    "  ocsp_url: http://ocsp.example.test/\n",
	    dir, store, resident, dir, cadir);
	if (pass != NULL)
		fprintf(fp, "  passphrase_file: %s/%s\n", dir, pass);
	if (fclose(fp) == EOF || chmod(P(name), 0600) == -1)
		return NULL;
	if (km_cfg_load(&c, P(name), &e) == -1) {
		printf("# %s\n", e.msg);
		return NULL;
	}
	return c;
}

/* Issues a card: type resident or entrepreneur, email may be NULL,
 * services NULL for the type's own; c (may be NULL) the config. */
static int
issue(struct km_card *card, const struct km_cfg *c, const char *type,
    const char *ten, const char *first, const char *surname,
    const char *email, const char *services)
{
	struct km_app a;
	struct km_err e;

	km_app_init(&a);
	if (km_app_set(&a, "type", type, &e) == -1 ||
	    km_app_set(&a, "pesel", pesel(ten), &e) == -1 ||
	    km_app_set(&a, "first_name", first, &e) == -1 ||
	    km_app_set(&a, "surname", surname, &e) == -1 ||
	    km_app_set(&a, "street", "ul. Piotrkowska 1", &e) == -1 ||
	    km_app_set(&a, "postcode", "90-001", &e) == -1 ||
	    km_app_set(&a, "city", "\xc5\x81\xc3\xb3" "d\xc5\xba", &e) ==
	    -1 ||
	    (email != NULL && km_app_set(&a, "email", email, &e) == -1) ||
	    (strcmp(type, "entrepreneur") == 0 &&
	    (km_app_set(&a, "nip", "PL 856-734-62-15", &e) == -1 ||
	    km_app_set(&a, "regon", "123456785", &e) == -1 ||
	    km_app_set(&a, "company", "Taks\xc3\xb3wki \xc5\x81\xc3\xb3"
	    "dzkie Sp. z o.o.", &e) == -1)) ||
	    (services != NULL &&
	    km_app_set(&a, "services", services, &e) == -1) ||
	    km_app_check(&a, c, &e) == -1 ||
	    km_db_begin(db, &e) == -1) {
		printf("# issue: %s\n", e.msg);
		return -1;
	}
	if (km_card_issue(db, c, &a, card, &e) == -1) {
		printf("# issue: %s\n", e.msg);
		km_db_rollback(db);
		return -1;
	}
	return km_db_commit(db, &e);
}

/* Moves the card by ev in a transaction of its own. */
static int
apply(struct km_card *c, int ev, const char *reason, struct km_err *e)
{
	struct km_err e2;
	int rv;

	memset(e, 0, sizeof(*e));
	if (km_db_begin(db, e) == -1)
		return -1;
	rv = km_life_apply(db, cfg, c, ev, reason, NULL, e);
	if (rv == -1)
		km_db_rollback(db);
	else if (km_db_commit(db, &e2) == -1) {
		*e = e2;
		return -1;
	}
	return rv;
}

/* Personalises and activates a card. */
static int
activate(struct km_card *c)
{
	struct km_err e;

	if (apply(c, KM_EV_PERSONALISE, NULL, &e) == -1 ||
	    apply(c, KM_EV_ACTIVATE, NULL, &e) == -1) {
		printf("# activate: %s\n", e.msg);
		return -1;
	}
	return 0;
}

/* km_ca_sign() in a transaction of its own. */
static int
sign(int profile, const void *req, size_t n, const char *name,
    const char *card, const char *cn, struct km_ca_issued *out,
    struct km_err *e)
{
	struct km_err e2;
	int rv;

	memset(e, 0, sizeof(*e));
	if (km_db_begin(db, e) == -1)
		return -1;
	rv = km_ca_sign(ca, profile, req, n, name, card, cn, out, e);
	if (rv == -1)
		km_db_rollback(db);
	else if (km_db_commit(db, &e2) == -1) {
		*e = e2;
		return -1;
	}
	return rv;
}

/* Makes dir/name.key and its CSR dir/name.csr with openssl req, and signs
 * it for profile and card; the certificate goes to dir/name.crt. */
static int
sign_csr(const char *name, int profile, const char *card,
    struct km_ca_issued *out)
{
	unsigned char *csr;
	struct km_err e;
	char f[64];
	size_t n;
	int rv;

	memset(out, 0, sizeof(*out));
	if (run("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	    "-nodes -keyout %s/%s.key -subj '/CN=Whatever the request says' "
	    "-out %s/%s.csr 2>/dev/null", dir, name, dir, name) != 0)
		return -1;
	snprintf(f, sizeof(f), "%s.key", name);
	if (chmod(P(f), 0600) == -1)
		return -1;
	snprintf(f, sizeof(f), "%s.csr", name);
	if ((csr = slurp(f, &n)) == NULL)
		return -1;
	rv = sign(profile, csr, n, f, card, NULL, out, &e);
	free(csr);
	if (rv == -1) {
		printf("# sign %s: %s\n", name, e.msg);
		return -1;
	}
	snprintf(f, sizeof(f), "%s.crt", name);
	return spit(f, out->pem, strlen(out->pem), 0644);
}

/* Signs a new EC P-256 key's bare public key for profile; the
 * certificate goes to dir/name.crt when name is not NULL. */
static int
sign_pub(const char *name, int profile, const char *card, const char *cn,
    struct km_ca_issued *out, struct km_err *e)
{
	struct km_key *k;
	char *pem, f[64];
	int rv;

	memset(out, 0, sizeof(*out));
	if (km_key_generate(&k, KM_KEY_EC256, e) == -1)
		return -1;
	if (km_key_public_pem(k, &pem, e) == -1) {
		km_key_free(k);
		return -1;
	}
	km_key_free(k);
	rv = sign(profile, pem, strlen(pem), "pub.pem", card, cn, out, e);
	free(pem);
	if (rv == 0 && name != NULL) {
		snprintf(f, sizeof(f), "%s.crt", name);
		rv = spit(f, out->pem, strlen(out->pem), 0644);
	}
	return rv;
}

static int
revoke_(const char *serial, int reason, struct km_err *e)
{
	struct km_err e2;
	int rv;

	memset(e, 0, sizeof(*e));
	if (km_db_begin(db, e) == -1)
		return -1;
	rv = km_ca_revoke(db, serial, reason, e);
	if (rv == -1)
		km_db_rollback(db);
	else if (km_db_commit(db, &e2) == -1) {
		*e = e2;
		return -1;
	}
	return rv;
}

static int
card_event(long long card, int ev, size_t *n, struct km_err *e)
{
	struct km_err e2;
	int rv;

	memset(e, 0, sizeof(*e));
	if (km_db_begin(db, e) == -1)
		return -1;
	rv = km_ca_card_event(db, card, ev, n, e);
	if (rv == -1)
		km_db_rollback(db);
	else if (km_db_commit(db, &e2) == -1) {
		*e = e2;
		return -1;
	}
	return rv;
}

/* The store's status of serial; st->status -1 if it has none. */
static struct km_certstat *
status(const char *serial)
{
	static struct km_certstat s[4];
	static int i;
	struct km_certstat *p = &s[i++ % 4];
	struct km_err e;

	if (km_ca_status(db, serial, p, &e) != 1) {
		memset(p, 0, sizeof(*p));
		p->status = -1;
	}
	return p;
}

/* ---- kmca-init */

static void
test_no_ca(void)
{
	struct km_ca *c = (struct km_ca *)1;
	struct km_ca_made m;
	struct km_err e;
	unsigned keys[2] = { 0, KM_CA_ISSUING_KEY | KM_CA_OCSP_KEY };
	int i;

	for (i = 0; i < 2; i++) {
		memset(&e, 0, sizeof(e));
		is(km_ca_open(&c, db, cfg, keys[i], &e), -1,
		    "open (keys %u): no CA in the store", keys[i]);
		is(e.eclass, KM_EDATA, "... KM_EDATA");
		is_str(e.msg, "no CA in the store: run kmca-init", "... says so");
		ok(c == NULL, "... *ca NULL");
	}

	/* No passphrase: neither the config nor the environment. */
	unsetenv("KM_CA_PASSPHRASE");
	memset(&e, 0, sizeof(e));
	km_db_begin(db, &e);
	is(km_ca_init(db, cfg_np, &m, &e), -1, "init: no passphrase refused");
	km_db_rollback(db);
	is(e.eclass, KM_EDATA, "... KM_EDATA");
	ok(strstr(e.msg, "no passphrase") != NULL &&
	    strstr(e.msg, "KM_CA_PASSPHRASE") != NULL,
	    "... says how to give one");
	if (!ok(!exists(P("ca-np")), "... ca.dir not made"))
		printf("#   %s\n", e.msg);
	is(q_int("SELECT COUNT(*) FROM ca"), 0, "... no CA row");
	is(q_int("SELECT COUNT(*) FROM cert"), 0, "... no certificate row");
	is(q_int("SELECT COUNT(*) FROM audit WHERE action LIKE 'ca.%%'"), 0,
	    "... no audit row");

	/* A passphrase from the environment that is too short. */
	setenv("KM_CA_PASSPHRASE", "short", 1);
	km_db_begin(db, &e);
	is(km_ca_init(db, cfg_np, &m, &e), -1, "init: a 5-byte passphrase "
	    "refused");
	km_db_rollback(db);
	ok(e.eclass == KM_EDATA && strstr(e.msg, "shorter than 8") != NULL,
	    "... KM_EDATA, shorter than 8 bytes");
	ok(!exists(P("ca-np")), "... ca.dir not made");
	unsetenv("KM_CA_PASSPHRASE");

	/* A passphrase file others may read. */
	chmod(P("pass"), 0644);
	km_db_begin(db, &e);
	is(km_ca_init(db, cfg, &m, &e), -1, "init: passphrase file 0644 "
	    "refused");
	km_db_rollback(db);
	ok(e.eclass == KM_EDATA && strstr(e.msg, "owner only") != NULL,
	    "... KM_EDATA, readable by its owner only");
	ok(!exists(P("ca")), "... ca.dir not made");
	chmod(P("pass"), 0600);
}

static void
test_init(void)
{
	static const char *const files[] = {
		"ca/root.crt", "ca/issuing.crt", "ca/ocsp.crt", "ca/chain.pem",
		"ca/root.crl", "ca/root.crl.pem", "ca/issuing.crl",
		"ca/issuing.crl.pem"
	};
	static const char *const keyfiles[] = {
		"ca/root.key", "ca/issuing.key", "ca/ocsp.key"
	};
	struct km_ca_made m;
	struct km_err e;
	unsigned char *b;
	size_t i, n;
	int rc;

	ERR_clear_error();
	memset(&e, 0, sizeof(e));
	km_db_begin(db, &e);
	rc = km_ca_init(db, cfg, &m, &e);
	if (!iso(rc, 0, "init"))
		printf("#   %s\n", e.msg);
	if (rc == 0)
		km_db_commit(db, &e);
	else
		km_db_rollback(db);
	ok(ERR_peek_error() == 0, "init: OpenSSL error queue empty");
	is(strlen(m.root_serial), 32, "init: root serial of 128 bits");
	is(strlen(m.issuing_serial), 32, "init: issuing serial of 128 bits");
	is(strlen(m.ocsp_serial), 32, "init: OCSP serial of 128 bits");
	ok(strcmp(m.root_serial, m.issuing_serial) != 0 &&
	    strcmp(m.issuing_serial, m.ocsp_serial) != 0,
	    "init: serials differ");
	ok(strstr(m.root_subject, "CN=Test City Root CA") != NULL &&
	    strstr(m.root_subject, "O=Test City") != NULL &&
	    strstr(m.root_subject, "C=PL") != NULL, "init: root subject '%s'",
	    m.root_subject);
	ok(strstr(m.issuing_subject, "CN=Test City Issuing CA") != NULL,
	    "init: issuing subject '%s'", m.issuing_subject);
	is_str(m.key_type, "ec256", "init: key type ec256 (the default)");
	is(m.hsm, 0, "init: not in an HSM");

	for (i = 0; i < nitems(files); i++) {
		ok(exists(P(files[i])), "init: %s exists", files[i]);
		is(mode_of(P(files[i])), 0644, "init: %s mode 0644", files[i]);
	}
	for (i = 0; i < nitems(keyfiles); i++) {
		ok(exists(P(keyfiles[i])), "init: %s exists", keyfiles[i]);
		is(mode_of(P(keyfiles[i])), 0600, "init: %s mode 0600",
		    keyfiles[i]);
		ok(has(keyfiles[i], "-----BEGIN ENCRYPTED PRIVATE KEY-----"),
		    "init: %s is encrypted", keyfiles[i]);
	}
	ok(run("openssl pkey -in %s -passin file:%s -noout 2>/dev/null",
	    P("ca/issuing.key"), P("pass")) == 0,
	    "init: openssl opens issuing.key with the passphrase");
	ok(run("openssl pkey -in %s -passin pass:wrong-passphrase -noout "
	    ">/dev/null 2>&1", P("ca/issuing.key")) != 0,
	    "init: ... and not with another");

	is(run("openssl verify -CAfile %s %s >/dev/null 2>&1",
	    P("ca/root.crt"), P("ca/issuing.crt")), 0,
	    "init: openssl verify -CAfile root.crt issuing.crt: OK");
	is(run("openssl verify -CAfile %s -untrusted %s %s >/dev/null 2>&1",
	    P("ca/root.crt"), P("ca/issuing.crt"), P("ca/ocsp.crt")), 0,
	    "init: ocsp.crt verifies up to the root");
	ok(run("openssl verify -CAfile %s %s >/dev/null 2>&1",
	    P("ca/issuing.crt"), P("ca/root.crt")) != 0,
	    "init: (openssl verify does refuse the root under the issuing CA)");
	is(run("openssl x509 -in %s -noout -text > %s 2>&1",
	    P("ca/ocsp.crt"), P("ocsp.txt")), 0, "init: ocsp.crt parses");
	ok(has("ocsp.txt", "OCSP Signing") && has("ocsp.txt", "OCSP No Check"),
	    "init: ocsp.crt has OCSPSigning and ocsp-nocheck");
	is(run("openssl x509 -in %s -noout -text > %s 2>&1",
	    P("ca/issuing.crt"), P("issuing.txt")), 0, "init: issuing parses");
	ok(has("issuing.txt", "CA:TRUE, pathlen:0"),
	    "init: issuing CA with pathlen 0");
	/* chain.pem: the issuing CA, then the root. */
	if ((b = slurp("ca/chain.pem", &n)) != NULL) {
		unsigned char *iss, *root;
		size_t ni, nr;

		iss = slurp("ca/issuing.crt", &ni);
		root = slurp("ca/root.crt", &nr);
		ok(iss != NULL && root != NULL && n == ni + nr &&
		    memcmp(b, iss, ni) == 0 && memcmp(b + ni, root, nr) == 0,
		    "init: chain.pem is issuing.crt then root.crt");
		free(iss);
		free(root);
		free(b);
	} else
		ok(0, "init: chain.pem readable");
	is(run("openssl crl -inform DER -in %s -CAfile %s -noout "
	    ">/dev/null 2>&1", P("ca/root.crl"), P("ca/root.crt")), 0,
	    "init: root.crl verifies under the root");
	is(run("openssl crl -inform DER -in %s -CAfile %s -noout "
	    ">/dev/null 2>&1", P("ca/issuing.crl"), P("ca/chain.pem")), 0,
	    "init: issuing.crl verifies under the chain");
	is(run("openssl crl -inform DER -in %s -outform PEM | cmp -s - %s",
	    P("ca/issuing.crl"), P("ca/issuing.crl.pem")), 0,
	    "init: issuing.crl.pem is issuing.crl's twin");
	is(run("openssl crl -inform DER -in %s -outform PEM | cmp -s - %s",
	    P("ca/root.crl"), P("ca/root.crl.pem")), 0,
	    "init: root.crl.pem is root.crl's twin");

	is(q_int("SELECT COUNT(*) FROM ca"), 2, "init: two CA rows");
	is(q_int("SELECT COUNT(*) FROM cert WHERE profile = 'issuing-ca'"),
	    1, "init: the issuing CA's certificate stored");
	is(q_int("SELECT COUNT(*) FROM cert WHERE profile = 'ocsp' AND "
	    "status = 'good'"), 1, "init: the OCSP responder's stored");
	is(q_int("SELECT COUNT(*) FROM crl WHERE number = 1"), 2,
	    "init: CRL number 1 of each CA");
	is(q_int("SELECT crl_due FROM ca WHERE name = 'issuing'"), 0,
	    "init: no CRL due");
	is(q_int("SELECT COUNT(*) FROM audit WHERE action = 'ca.init'"), 1,
	    "init: audited");

	/* A second time. */
	memset(&e, 0, sizeof(e));
	km_db_begin(db, &e);
	is(km_ca_init(db, cfg, &m, &e), -1, "init again: refused");
	km_db_rollback(db);
	is(e.eclass, KM_EDATA, "... KM_EDATA");
	ok(strstr(e.msg, "has a CA already") != NULL, "... '%s'", e.msg);
	is(q_int("SELECT COUNT(*) FROM ca"), 2, "... still two CA rows");
	ok(exists(P("ca/root.crt")) && exists(P("ca/root.key")),
	    "... the files are left alone");
}

/* A store without a CA whose config's ca.dir has the files already. */
static void
test_init_files_in_way(void)
{
	struct km_cfg *c2;
	struct km_db *db2;
	struct km_ca_made m;
	struct km_err e;
	int from, to;

	if ((c2 = config("km2.yaml", "km2.db", "ca", "pass",
	    "identification eticket payments")) == NULL) {
		ok(0, "files in the way: config");
		return;
	}
	if (km_db_open(&db2, c2, KM_DB_CREATE, &e) == -1 ||
	    km_db_migrate(db2, &from, &to, &e) == -1) {
		ok(0, "files in the way: store: %s", e.msg);
		km_cfg_free(c2);
		return;
	}
	km_db_set_actor(db2, "tester");
	km_db_begin(db2, &e);
	is(km_ca_init(db2, c2, &m, &e), -1, "init with ca.dir's files there: "
	    "refused");
	km_db_rollback(db2);
	ok(e.eclass == KM_EDATA && strstr(e.msg, "exists already") != NULL,
	    "... KM_EDATA '%s'", e.msg);
	ok(exists(P("ca/root.crt")) && exists(P("ca/issuing.key")) &&
	    exists(P("ca/issuing.crl")), "... and they are left alone");
	km_db_close(db2);
	km_cfg_free(c2);
}

static void
test_open(void)
{
	struct km_ca *c;
	struct km_err e;

	memset(&e, 0, sizeof(e));
	if (!iso(km_ca_open(&c, db, cfg, 0, &e), 0, "open without keys"))
		printf("#   %s\n", e.msg);
	ok(c != NULL, "... a CA");
	km_ca_free(c);
	if (!iso(km_ca_open(&c, db, cfg, KM_CA_ROOT_KEY | KM_CA_ISSUING_KEY |
	    KM_CA_OCSP_KEY, &e), 0, "open with all three keys"))
		printf("#   %s\n", e.msg);
	km_ca_free(c);
	km_ca_free(NULL);

	/* Keys need the passphrase; without it even the public work. */
	unsetenv("KM_CA_PASSPHRASE");
	is(km_ca_open(&c, db, cfg_np, 0, &e), 0,
	    "open without keys needs no passphrase");
	km_ca_free(c);
	is(km_ca_open(&c, db, cfg_np, KM_CA_ISSUING_KEY, &e), -1,
	    "open the issuing key with no passphrase: refused");
	ok(e.eclass == KM_EDATA && strstr(e.msg, "ca.issuing_key") != NULL &&
	    strstr(e.msg, "no passphrase") != NULL, "... KM_EDATA '%s'", e.msg);
	ok(c == NULL, "... *ca NULL");
	setenv("KM_CA_PASSPHRASE", "not the passphrase", 1);
	is(km_ca_open(&c, db, cfg_np, KM_CA_OCSP_KEY, &e), -1,
	    "open with a wrong passphrase: refused");
	ok(e.eclass == KM_EDATA && strstr(e.msg, "wrong passphrase") != NULL,
	    "... KM_EDATA '%s'", e.msg);
	setenv("KM_CA_PASSPHRASE", PASS, 1);
	if (!iso(km_ca_open(&c, db, cfg_np, KM_CA_ROOT_KEY | KM_CA_OCSP_KEY,
	    &e), 0, "open with the passphrase from KM_CA_PASSPHRASE"))
		printf("#   %s\n", e.msg);
	km_ca_free(c);
	unsetenv("KM_CA_PASSPHRASE");
	ok(ERR_peek_error() == 0, "open: OpenSSL error queue empty");
}

/* ---- issuing */

static struct km_card ent, res, res_sign, blocked;
static char auth1[KM_SERIALSZ], auth2[KM_SERIALSZ], sign1[KM_SERIALSZ];
static char hot[KM_SERIALSZ];

/* A card number of the IIN that is in no store: 16 digits, Luhn. */
static void
stranger_number(char out[KM_CARDNO_LEN + 1])
{
	int i, sum = 0, d;

	memcpy(out, "123456999999999", 15);
	for (i = 14; i >= 0; i--) {
		d = out[i] - '0';
		if ((14 - i) % 2 == 0 && (d *= 2) > 9)
			d -= 9;
		sum += d;
	}
	out[15] = (char)('0' + (10 - sum % 10) % 10);
	out[16] = '\0';
}

static void
test_sign(void)
{
	struct km_ca_issued out;
	struct km_certstat *s;
	struct km_cert *crt;
	struct km_certinfo ci;
	struct km_key *k = NULL;
	struct km_err e;
	char num[KM_CARDNO_LEN + 1], *pem;
	long long certs;

	if (issue(&ent, cfg, "entrepreneur", "8001010123", "Jan", "Kowalski",
	    "jan.kowalski@example.pl", NULL) == -1 ||
	    issue(&res, cfg, "resident", "8502020234", "Anna", "Nowak",
	    "anna@example.pl", NULL) == -1 ||
	    issue(&res_sign, cfg_res, "resident", "9003030345", "Ewa",
	    "Wi\xc5\x9bniewska", NULL, NULL) == -1 ||
	    issue(&blocked, cfg, "resident", "7504040456", "Piotr",
	    "Zieli\xc5\x84ski", NULL, NULL) == -1) {
		ok(0, "sign: cards issued");
		return;
	}
	ok(ent.services & KM_SVC_ESIGN, "an entrepreneur has esignature");
	ok(!(res.services & KM_SVC_ESIGN), "a resident has not");
	ok(res_sign.services & KM_SVC_ESIGN,
	    "a resident has it when cards.resident.services says so");

	/* From a CSR. */
	ERR_clear_error();
	if (!iso(sign_csr("e1auth", KM_PROF_CARD_AUTH, ent.number, &out), 0,
	    "sign card-auth from an openssl CSR"))
		return;
	km_strlcpy(auth1, out.serial, sizeof(auth1));
	ok(ERR_peek_error() == 0, "sign: OpenSSL error queue empty");
	is(strlen(out.serial), 32, "... a 128-bit serial");
	is_str(out.card, ent.number, "... for the card");
	is(out.profile, KM_PROF_CARD_AUTH, "... profile card-auth");
	is_str(out.key_type, "ec256", "... key ec256");
	is(out.superseded, 0, "... superseding nothing");
	ok(strstr(out.subject, "CN=Jan Kowalski") != NULL &&
	    strstr(out.subject, ent.number) != NULL &&
	    strstr(out.subject, "Whatever") == NULL,
	    "... subject from the store, not the request: '%s'", out.subject);
	ok(strncmp(out.pem, "-----BEGIN CERTIFICATE-----", 27) == 0,
	    "... PEM");
	ok(out.not_after <= ent.expires_at && out.not_before <= out.not_after,
	    "... valid no longer than the card");
	free(out.pem);
	is(run("openssl verify -CAfile %s -untrusted %s %s >/dev/null 2>&1",
	    P("ca/root.crt"), P("ca/issuing.crt"), P("e1auth.crt")), 0,
	    "... openssl verify: OK under root.crt through issuing.crt");
	is(run("openssl verify -CAfile %s %s >/dev/null 2>&1",
	    P("ca/chain.pem"), P("e1auth.crt")), 0,
	    "... openssl verify -CAfile chain.pem: OK");
	is(run("openssl pkey -in %s -pubout -out %s && openssl x509 -in %s "
	    "-noout -pubkey | cmp -s - %s", P("e1auth.key"), P("e1auth.pub"),
	    P("e1auth.crt"), P("e1auth.pub")), 0,
	    "... the certificate holds the CSR's key");
	s = status(auth1);
	is(s->status, KM_OCSP_GOOD, "status: good");
	is(s->hold, 0, "status: not on hold");
	is(s->reason, -1, "status: no reason");
	is(s->card_id, ent.id, "status: the card's id");
	is_str(s->profile, "card-auth", "status: profile card-auth");
	is_str(s->serial, auth1, "status: its serial");
	is_str(s->subject, out.subject, "status: its subject");

	/* From a bare public key: the first is superseded. */
	if (!iso(sign_pub("e1auth2", KM_PROF_CARD_AUTH, ent.number, NULL, &out,
	    &e), 0, "sign card-auth again, from a bare public key"))
		printf("#   %s\n", e.msg);
	km_strlcpy(auth2, out.serial, sizeof(auth2));
	is(out.superseded, 1, "... superseding one");
	free(out.pem);
	s = status(auth1);
	is(s->status, KM_OCSP_REVOKED, "the first: revoked");
	is(s->reason, KM_RS_SUPERSEDED, "the first: superseded");
	is(s->hold, 0, "the first: not a hold");
	ok(s->revoked_at != 0, "the first: a revocation time");
	is(status(auth2)->status, KM_OCSP_GOOD, "the second: good");
	is(q_int("SELECT crl_due FROM ca WHERE name = 'issuing'"), 1,
	    "a CRL is due");
	is(run("openssl verify -CAfile %s %s >/dev/null 2>&1",
	    P("ca/chain.pem"), P("e1auth2.crt")), 0,
	    "the second: openssl verify OK");

	/* card-sign for the entrepreneur: the e-mail address goes in. */
	if (!iso(sign_csr("e1sign", KM_PROF_CARD_SIGN, ent.number, &out), 0,
	    "sign card-sign for the entrepreneur"))
		return;
	km_strlcpy(sign1, out.serial, sizeof(sign1));
	is(out.superseded, 0, "... superseding nothing (another profile)");
	free(out.pem);
	is(status(auth2)->status, KM_OCSP_GOOD, "... card-auth still good");
	if (km_cert_load(&crt, P("e1sign.crt"), &e) == 0) {
		km_cert_info(crt, &ci, &e);
		is_str(ci.email, "jan.kowalski@example.pl",
		    "... rfc822Name the holder's");
		ok(ci.ku & KM_KU_NON_REPUDIATION, "... nonRepudiation");
		km_cert_free(crt);
	} else
		ok(0, "... loads: %s", e.msg);
	is(run("openssl verify -CAfile %s %s >/dev/null 2>&1",
	    P("ca/chain.pem"), P("e1sign.crt")), 0, "... openssl verify OK");

	/* A resident with esignature, but no e-mail address. */
	certs = q_int("SELECT COUNT(*) FROM cert");
	is(sign_pub(NULL, KM_PROF_CARD_SIGN, res_sign.number, NULL, &out, &e),
	    -1, "card-sign for a holder without e-mail: refused");
	ok(e.eclass == KM_EDATA && strstr(e.msg, "e-mail") != NULL,
	    "... KM_EDATA '%s'", e.msg);

	/* Refusals. */
	stranger_number(num);
	is(sign_pub(NULL, KM_PROF_CARD_AUTH, num, NULL, &out, &e), -1,
	    "sign for an unknown card: refused");
	if (!iso(e.eclass, KM_ENOTFOUND, "... KM_ENOTFOUND"))
		printf("#   %s\n", e.msg);
	if (activate(&blocked) == 0 && apply(&blocked, KM_EV_BLOCK, "lost",
	    &e) == 0) {
		is(sign_pub(NULL, KM_PROF_CARD_AUTH, blocked.number, NULL,
		    &out, &e), -1, "sign for a blocked card: refused");
		ok(e.eclass == KM_EDATA && strstr(e.msg, "blocked") != NULL,
		    "... KM_EDATA '%s'", e.msg);
	} else
		ok(0, "block a card: %s", e.msg);
	is(sign_pub(NULL, KM_PROF_CARD_SIGN, res.number, NULL, &out, &e), -1,
	    "card-sign for a resident without esignature: refused");
	ok(e.eclass == KM_EDATA && strstr(e.msg, "esignature") != NULL,
	    "... KM_EDATA '%s'", e.msg);
	is(sign_pub(NULL, KM_PROF_CARD_AUTH, NULL, NULL, &out, &e), -1,
	    "card-auth without a card: refused");
	is(e.eclass, KM_EUSAGE, "... KM_EUSAGE");
	is(sign_pub(NULL, KM_PROF_HOTLIST, NULL, NULL, &out, &e), -1,
	    "hotlist without a common name: refused");
	ok(e.eclass == KM_EUSAGE && strstr(e.msg, "common name") != NULL,
	    "... KM_EUSAGE '%s'", e.msg);
	is(sign_pub(NULL, KM_PROF_OCSP, NULL, "", &out, &e), -1,
	    "ocsp with an empty common name: refused");
	is(e.eclass, KM_EUSAGE, "... KM_EUSAGE");
	is(sign_pub(NULL, 7, NULL, "x", &out, &e), -1,
	    "an unknown profile: refused");
	is(e.eclass, KM_EUSAGE, "... KM_EUSAGE");
	if (km_key_generate(&k, KM_KEY_RSA2048, &e) == 0 &&
	    km_key_public_pem(k, &pem, &e) == 0) {
		is(sign(KM_PROF_CARD_AUTH, pem, strlen(pem), "rsa.pem",
		    res.number, NULL, &out, &e), -1,
		    "an rsa2048 key: refused");
		ok(e.eclass == KM_EDATA && strstr(e.msg, "rsa2048") != NULL &&
		    strstr(e.msg, "ec256, ec384, rsa3072, rsa4096") != NULL,
		    "... KM_EDATA naming the allowed types: '%s'", e.msg);
		free(pem);
	} else
		ok(0, "rsa2048 key: %s", e.msg);
	km_key_free(k);
	is(sign(KM_PROF_CARD_AUTH, "hello", 5, "junk", res.number, NULL, &out,
	    &e), -1, "a request that is neither CSR nor key: refused");
	ok(e.eclass == KM_EDATA && strstr(e.msg, "junk") != NULL,
	    "... KM_EDATA '%s'", e.msg);
	is(q_int("SELECT COUNT(*) FROM cert"), certs,
	    "refusals store no certificate");
	ok(out.pem == NULL, "... and give no PEM");
	ERR_clear_error();

	/* A resident's card-auth; a hotlist signer's certificate. */
	if (!iso(sign_pub("r1auth", KM_PROF_CARD_AUTH, res.number, NULL, &out,
	    &e), 0, "card-auth for a resident"))
		printf("#   %s\n", e.msg);
	free(out.pem);
	if (!iso(sign_pub("hot", KM_PROF_HOTLIST, NULL, "Test City Hotlist",
	    &out, &e), 0, "a hotlist certificate with a common name"))
		printf("#   %s\n", e.msg);
	km_strlcpy(hot, out.serial, sizeof(hot));
	is_str(out.card, "", "... no card");
	ok(strstr(out.subject, "CN=Test City Hotlist") != NULL,
	    "... subject '%s'", out.subject);
	free(out.pem);
	s = status(hot);
	is(s->card_id, 0, "... status: no card");
	is_str(s->profile, "hotlist", "... status: profile hotlist");
	ok(ERR_peek_error() == 0, "sign: OpenSSL error queue empty");
}

/* ---- revocation */

static void
test_card_event(void)
{
	struct km_card c, c2, c3;
	struct km_ca_issued out;
	struct km_certstat *s;
	struct km_err e;
	char ser[KM_SERIALSZ], ser2[KM_SERIALSZ], ser3[KM_SERIALSZ];
	size_t n;

	if (issue(&c, cfg, "resident", "6805050567", "Marek", "Lis", NULL,
	    NULL) == -1 || sign_pub(NULL, KM_PROF_CARD_AUTH, c.number, NULL,
	    &out, &e) == -1) {
		ok(0, "card event: a card and its certificate");
		return;
	}
	km_strlcpy(ser, out.serial, sizeof(ser));
	free(out.pem);

	n = 99;
	is(card_event(c.id, KM_EV_SUSPEND, &n, &e), 0, "event suspend");
	is(n, 1, "... one certificate");
	s = status(ser);
	is(s->status, KM_OCSP_REVOKED, "... status revoked");
	is(s->hold, 1, "... on hold");
	is(s->reason, KM_RS_HOLD, "... reason certificateHold");
	is(card_event(c.id, KM_EV_SUSPEND, &n, &e), 0, "event suspend again");
	is(n, 0, "... changes nothing");
	is(card_event(c.id, KM_EV_RESUME, &n, &e), 0, "event resume");
	is(n, 1, "... one certificate");
	s = status(ser);
	is(s->status, KM_OCSP_GOOD, "... status good");
	is(s->hold, 0, "... not on hold");
	is(s->reason, -1, "... no reason");
	is(card_event(c.id, KM_EV_RESUME, &n, &e), 0, "event resume again");
	is(n, 0, "... changes nothing");
	is(card_event(c.id, KM_EV_PERSONALISE, &n, &e), 0,
	    "event personalise");
	is(n, 0, "... changes nothing");
	is(status(ser)->status, KM_OCSP_GOOD, "... still good");
	is(card_event(c.id, KM_EV_SUSPEND, NULL, &e), 0,
	    "event suspend, n NULL");
	is(card_event(c.id, KM_EV_BLOCK, &n, &e), 0, "event block (on hold)");
	is(n, 1, "... one certificate");
	s = status(ser);
	is(s->status, KM_OCSP_REVOKED, "... status revoked");
	is(s->hold, 0, "... not a hold");
	is(s->reason, KM_RS_KEY_COMPROMISE, "... reason keyCompromise");
	is(card_event(c.id, KM_EV_RESUME, &n, &e), 0, "event resume after "
	    "block");
	is(n, 0, "... changes nothing");
	is(status(ser)->reason, KM_RS_KEY_COMPROMISE, "... still revoked");
	is(q_int("SELECT COUNT(*) FROM audit WHERE subject = '%s' AND "
	    "action IN ('ca.hold', 'ca.release', 'ca.revoke')", ser), 4,
	    "four audit rows: hold, release, hold, revoke");

	/* Through the lifecycle. */
	if (issue(&c2, cfg, "resident", "7206060678", "Olga", "Kruk", NULL,
	    NULL) == -1 || sign_pub(NULL, KM_PROF_CARD_AUTH, c2.number, NULL,
	    &out, &e) == -1 || activate(&c2) == -1) {
		ok(0, "lifecycle: a card and its certificate");
		return;
	}
	km_strlcpy(ser2, out.serial, sizeof(ser2));
	free(out.pem);
	is(status(ser2)->status, KM_OCSP_GOOD,
	    "lifecycle: personalised and activated, still good");
	is(apply(&c2, KM_EV_SUSPEND, NULL, &e), 0, "lifecycle: suspend");
	s = status(ser2);
	ok(s->status == KM_OCSP_REVOKED && s->hold == 1 &&
	    s->reason == KM_RS_HOLD, "... certificate on hold");
	is(apply(&c2, KM_EV_RESUME, NULL, &e), 0, "lifecycle: resume");
	s = status(ser2);
	ok(s->status == KM_OCSP_GOOD && s->hold == 0 && s->reason == -1,
	    "... certificate good");
	is(apply(&c2, KM_EV_BLOCK, "stolen", &e), 0, "lifecycle: block");
	s = status(ser2);
	ok(s->status == KM_OCSP_REVOKED && s->hold == 0 &&
	    s->reason == KM_RS_KEY_COMPROMISE,
	    "... certificate revoked for keyCompromise");
	ok(apply(&c2, KM_EV_RESUME, NULL, &e) == -1 &&
	    status(ser2)->reason == KM_RS_KEY_COMPROMISE,
	    "lifecycle: a refused move changes no certificate");

	if (issue(&c3, cfg, "resident", "6607070789", "Adam", "Sowa", NULL,
	    NULL) == -1 || sign_pub(NULL, KM_PROF_CARD_AUTH, c3.number, NULL,
	    &out, &e) == -1) {
		ok(0, "lifecycle: a third card");
		return;
	}
	km_strlcpy(ser3, out.serial, sizeof(ser3));
	free(out.pem);
	is(apply(&c3, KM_EV_REVOKE, "deceased", &e), 0, "lifecycle: revoke");
	s = status(ser3);
	ok(s->status == KM_OCSP_REVOKED && s->reason == KM_RS_CESSATION,
	    "... certificate revoked for cessationOfOperation");
	is(q_int("SELECT crl_due FROM ca WHERE name = 'issuing'"), 1,
	    "lifecycle: a CRL is due");
}

static void
test_revoke(void)
{
	struct km_certstat *s;
	struct km_err e;
	char lower[KM_SERIALSZ], colons[3 * KM_SERIALSZ];
	size_t i, j;

	for (i = 0; hot[i] != '\0'; i++)
		lower[i] = (char)(hot[i] >= 'A' && hot[i] <= 'F' ?
		    hot[i] + 32 : hot[i]);
	lower[i] = '\0';
	for (i = j = 0; hot[i] != '\0'; i += 2) {
		if (i > 0)
			colons[j++] = ':';
		colons[j++] = hot[i];
		colons[j++] = hot[i + 1];
	}
	colons[j] = '\0';

	is(revoke_(hot, KM_RS_HOLD, &e), 0, "revoke: hold");
	s = status(hot);
	ok(s->status == KM_OCSP_REVOKED && s->hold && s->reason == KM_RS_HOLD,
	    "... on hold");
	is(revoke_(hot, KM_RS_HOLD, &e), -1, "revoke: hold again refused");
	ok(e.eclass == KM_EDATA && strstr(e.msg, "on hold already") != NULL,
	    "... KM_EDATA '%s'", e.msg);
	is(revoke_(hot, KM_RS_REMOVE, &e), 0, "revoke: release");
	s = status(hot);
	ok(s->status == KM_OCSP_GOOD && !s->hold && s->reason == -1 &&
	    s->revoked_at == 0, "... good again");
	is(revoke_(hot, KM_RS_REMOVE, &e), -1, "revoke: release a good one "
	    "refused");
	ok(e.eclass == KM_EDATA && strstr(e.msg, "not on hold") != NULL,
	    "... KM_EDATA '%s'", e.msg);
	if (!iso(revoke_(lower, KM_RS_HOLD, &e), 0, "revoke: hold, serial in "
	    "lower case"))
		printf("#   %s\n", e.msg);
	ok(status(hot)->hold, "... on hold");
	if (!iso(revoke_(colons, KM_RS_KEY_COMPROMISE, &e), 0, "revoke: a held "
	    "one for keyCompromise, serial with colons"))
		printf("#   %s\n", e.msg);
	s = status(hot);
	ok(s->status == KM_OCSP_REVOKED && !s->hold &&
	    s->reason == KM_RS_KEY_COMPROMISE, "... revoked");
	is(revoke_(hot, KM_RS_SUPERSEDED, &e), -1, "revoke: twice refused");
	ok(e.eclass == KM_EDATA && strstr(e.msg, "revoked already") != NULL &&
	    strstr(e.msg, "keyCompromise") != NULL, "... KM_EDATA '%s'", e.msg);
	is(revoke_(hot, KM_RS_HOLD, &e), -1, "revoke: hold a revoked one "
	    "refused");
	is(e.eclass, KM_EDATA, "... KM_EDATA");
	is(revoke_(hot, KM_RS_REMOVE, &e), -1, "revoke: release a revoked one "
	    "refused");
	is(e.eclass, KM_EDATA, "... KM_EDATA");
	is(status(hot)->reason, KM_RS_KEY_COMPROMISE, "... still revoked");

	is(revoke_("0123456789ABCDEF0123456789ABCDEF", KM_RS_KEY_COMPROMISE, &e),
	    -1, "revoke: unknown serial refused");
	is(e.eclass, KM_ENOTFOUND, "... KM_ENOTFOUND");
	is(revoke_("abc", KM_RS_KEY_COMPROMISE, &e), -1,
	    "revoke: odd-length unknown serial refused");
	ok(e.eclass == KM_ENOTFOUND && strstr(e.msg, "'0ABC'") != NULL,
	    "... KM_ENOTFOUND, padded to '0ABC': '%s'", e.msg);
	is(revoke_("xyz", KM_RS_KEY_COMPROMISE, &e), -1, "revoke: not hex");
	is(e.eclass, KM_EDATA, "... KM_EDATA");
	is(revoke_("", KM_RS_KEY_COMPROMISE, &e), -1, "revoke: empty serial");
	is(e.eclass, KM_EDATA, "... KM_EDATA");
	is(revoke_("00112233445566778899AABBCCDDEEFF0011223344", 1, &e), -1,
	    "revoke: a serial of 21 bytes");
	is(e.eclass, KM_EDATA, "... KM_EDATA");
	is(revoke_(auth2, 7, &e), -1, "revoke: reason 7 refused");
	is(e.eclass, KM_EUSAGE, "... KM_EUSAGE");
	is(revoke_(auth2, -1, &e), -1, "revoke: reason -1 refused");
	is(e.eclass, KM_EUSAGE, "... KM_EUSAGE");
	is(status(auth2)->status, KM_OCSP_GOOD, "... the certificate untouched");

	s = status(lower);
	is_str(s->serial, hot, "status: a lower-case serial found");
	is(km_ca_status(db, "0123456789ABCDEF", s, &e), 0,
	    "status: unknown serial 0");
	is(km_ca_status(db, "zz", s, &e), -1, "status: not hex -1");
	is(q_int("SELECT COUNT(*) FROM audit WHERE subject = '%s' AND action "
	    "= 'ca.release'", hot), 1, "revoke: the release audited");
}

/* ---- CRLs */

/* Does `openssl crl -text` of issuing.crl show serial with reason? */
static int
crl_lists(const char *serial, const char *reason)
{
	return run("grep -A4 'Serial Number: %s$' %s | grep -q '%s'",
	    serial, P("crl.txt"), reason) == 0;
}

static void
test_crl(void)
{
	struct km_ca *c;
	struct km_err e;
	struct km_ca_issued out;
	long long num = -1, before;
	size_t entries = 99;
	long long want;
	int rc;

	before = q_int("SELECT MAX(number) FROM crl WHERE issuer = "
	    "(SELECT id FROM ca WHERE name = 'issuing')");
	is(before, 1, "crl: the last is number 1");
	want = q_int("SELECT COUNT(*) FROM cert WHERE status IN "
	    "('hold', 'revoked')");
	ERR_clear_error();
	rc = km_ca_crl(ca, 0, 1, &num, &entries, &e);
	if (!iso(rc, 1, "crl: due, written"))
		printf("#   %s\n", e.msg);
	is(num, 2, "... number 2");
	is(entries, want, "... with %lld entries", want);
	ok(ERR_peek_error() == 0, "crl: OpenSSL error queue empty");
	is(q_int("SELECT crl_due FROM ca WHERE name = 'issuing'"), 0,
	    "... no longer due");
	is(km_ca_crl(ca, 0, 1, &num, &entries, &e), 0, "crl: not due, none");
	is(num, 0, "... number 0");
	is(km_ca_crl(ca, 0, 0, &num, &entries, &e), 1, "crl: asked, written");
	is(num, 3, "... number 3");

	is(run("openssl crl -inform DER -in %s -CAfile %s -noout -text "
	    "> %s 2>&1", P("ca/issuing.crl"), P("ca/chain.pem"),
	    P("crl.txt")), 0, "openssl crl -CAfile chain.pem: verifies");
	ok(has("crl.txt", "verify OK"), "... verify OK");
	ok(run("grep -A1 'X509v3 CRL Number' %s | grep -q '^ *3$'",
	    P("crl.txt")) == 0, "... CRL number 3");
	ok(crl_lists(auth1, "Superseded"), "... lists %s superseded", auth1);
	ok(crl_lists(hot, "Key Compromise"), "... lists %s keyCompromise",
	    hot);
	ok(run("grep -q 'Serial Number: %s$' %s", auth2, P("crl.txt")) != 0,
	    "... not the good %s", auth2);
	is(run("grep -c 'Serial Number:' %s | grep -qx %lld", P("crl.txt"),
	    want), 0, "... %lld entries in all", want);
	is(run("openssl crl -inform DER -in %s -outform PEM | cmp -s - %s",
	    P("ca/issuing.crl"), P("ca/issuing.crl.pem")), 0,
	    "... issuing.crl.pem its twin");

	/* A hold shows as certificateHold. */
	if (sign_pub(NULL, KM_PROF_HOTLIST, NULL, "Held Signer", &out, &e) ==
	    0) {
		char held[KM_SERIALSZ];

		km_strlcpy(held, out.serial, sizeof(held));
		free(out.pem);
		revoke_(held, KM_RS_HOLD, &e);
		is(km_ca_crl(ca, 0, 1, &num, &entries, &e), 1,
		    "crl: due after a hold, written");
		is(num, 4, "... number 4");
		run("openssl crl -inform DER -in %s -CAfile %s -noout -text "
		    "> %s 2>&1", P("ca/issuing.crl"), P("ca/chain.pem"),
		    P("crl.txt"));
		ok(crl_lists(held, "Certificate Hold"),
		    "... lists %s on hold", held);
		revoke_(held, KM_RS_REMOVE, &e);
		is(km_ca_crl(ca, 0, 1, &num, &entries, &e), 1,
		    "crl: due after a release, written");
		run("openssl crl -inform DER -in %s -noout -text > %s 2>&1",
		    P("ca/issuing.crl"), P("crl.txt"));
		ok(run("grep -q 'Serial Number: %s$' %s", held,
		    P("crl.txt")) != 0, "... no longer lists %s", held);
	} else
		ok(0, "crl: a certificate to hold: %s", e.msg);

	/* The root's, with the root key. */
	if (km_ca_open(&c, db, cfg, KM_CA_ROOT_KEY, &e) == 0) {
		is(km_ca_crl(c, 1, 0, &num, &entries, &e), 1,
		    "crl: the root's written");
		is(num, 2, "... number 2");
		is(entries, 0, "... no entries");
		is(run("openssl crl -inform DER -in %s -CAfile %s -noout "
		    ">/dev/null 2>&1", P("ca/root.crl"), P("ca/root.crt")), 0,
		    "... verifies under root.crt");
		is(run("openssl crl -inform DER -in %s -outform PEM | "
		    "cmp -s - %s", P("ca/root.crl"), P("ca/root.crl.pem")), 0,
		    "... root.crl.pem its twin");
		is(km_ca_crl(c, 0, 0, &num, &entries, &e), -1,
		    "crl: the issuing CA's without its key: refused");
		is(e.eclass, KM_EUSAGE, "... KM_EUSAGE");
		km_ca_free(c);
	} else
		ok(0, "crl: open with the root key: %s", e.msg);
	is(km_ca_crl(ca, 1, 0, &num, &entries, &e), -1,
	    "crl: the root's without its key: refused");
	is(e.eclass, KM_EUSAGE, "... KM_EUSAGE");

	/* After a command's commit. */
	is(km_ca_publish_due(db, cfg, &num, &e), 0, "publish_due: none due");
	is(num, 0, "... number 0");
	before = q_int("SELECT MAX(number) FROM crl WHERE issuer = "
	    "(SELECT id FROM ca WHERE name = 'issuing')");
	revoke_(auth2, KM_RS_AFFILIATION_CHANGED, &e);
	rc = km_ca_publish_due(db, cfg, &num, &e);
	if (!iso(rc, 1, "publish_due: after a revocation, written"))
		printf("#   %s\n", e.msg);
	is(num, before + 1, "... number %lld", before + 1);
	is(km_ca_publish_due(db, cfg, &num, &e), 0, "publish_due: then none");
	run("openssl crl -inform DER -in %s -noout -text > %s 2>&1",
	    P("ca/issuing.crl"), P("crl.txt"));
	ok(crl_lists(auth2, "Affiliation Changed"),
	    "... the file lists %s", auth2);
	is(q_int("SELECT COUNT(*) FROM crl WHERE issuer = (SELECT id FROM ca "
	    "WHERE name = 'issuing')"), before + 1,
	    "crl: numbers 1 to %lld, none skipped", before + 1);
	is(q_int("SELECT COUNT(*) FROM audit WHERE action = 'ca.crl'"),
	    before + 1 + 2, "crl: each audited");
}

/* ---- OCSP */

/* Asks about dir/cert (issuer dir/issuer) with openssl; the answer's
 * text goes to dir/ocsp.out.  Returns km_ca_ocsp()'s. */
static int
ocsp(const char *issuer, const char *cert, struct km_err *e)
{
	unsigned char *req, *resp = NULL;
	size_t n, len = 0;
	int rc;

	if (run("openssl ocsp -issuer %s -cert %s -no_nonce -reqout %s "
	    ">/dev/null 2>&1", P(issuer), P(cert), P("req.der")) != 0 ||
	    (req = slurp("req.der", &n)) == NULL)
		return -2;
	rc = km_ca_ocsp(ca, req, n, time(NULL), &resp, &len, e);
	free(req);
	if (resp != NULL) {
		spit("resp.der", resp, len, 0644);
		free(resp);
		run("openssl ocsp -respin %s -no_nonce -issuer %s -CAfile %s "
		    "-cert %s > %s 2>&1", P("resp.der"), P("ca/issuing.crt"),
		    P("ca/chain.pem"), P(cert), P("ocsp.out"));
	}
	return rc;
}

static void
test_ocsp(void)
{
	struct km_ca *c;
	struct km_err e;
	unsigned char *resp = NULL;
	size_t len = 0;
	char line[PATH_MAX + 32];
	int rc;

	ERR_clear_error();
	rc = ocsp("ca/issuing.crt", "e1sign.crt", &e);
	if (!iso(rc, 0, "ocsp: a good certificate answered"))
		printf("#   %s\n", e.msg);
	ok(ERR_peek_error() == 0, "ocsp: OpenSSL error queue empty");
	snprintf(line, sizeof(line), "%s: good", P("e1sign.crt"));
	ok(has("ocsp.out", "Response verify OK"),
	    "... openssl ocsp: Response verify OK");
	ok(has("ocsp.out", line), "... good");

	is(ocsp("ca/issuing.crt", "e1auth.crt", &e), 0,
	    "ocsp: a superseded one answered");
	snprintf(line, sizeof(line), "%s: revoked", P("e1auth.crt"));
	ok(has("ocsp.out", "Response verify OK") && has("ocsp.out", line),
	    "... revoked");
	ok(has("ocsp.out", "Reason: superseded"), "... superseded");

	is(ocsp("ca/issuing.crt", "hot.crt", &e), 0,
	    "ocsp: a revoked one answered");
	ok(has("ocsp.out", "Reason: keyCompromise"), "... keyCompromise");

	/* On hold, then released. */
	revoke_(sign1, KM_RS_HOLD, &e);
	is(ocsp("ca/issuing.crt", "e1sign.crt", &e), 0,
	    "ocsp: one on hold answered");
	snprintf(line, sizeof(line), "%s: revoked", P("e1sign.crt"));
	ok(has("ocsp.out", line) && has("ocsp.out", "certificateHold"),
	    "... revoked, certificateHold");
	revoke_(sign1, KM_RS_REMOVE, &e);
	ocsp("ca/issuing.crt", "e1sign.crt", &e);
	snprintf(line, sizeof(line), "%s: good", P("e1sign.crt"));
	ok(has("ocsp.out", line), "... good again once released");

	/* One the issuing CA signed that the store does not know. */
	if (run("openssl x509 -req -in %s -CA %s -CAkey %s -passin file:%s "
	    "-set_serial 0x0123456789ABCDEF -days 1 -out %s 2>/dev/null",
	    P("e1auth.csr"), P("ca/issuing.crt"), P("ca/issuing.key"),
	    P("pass"), P("stranger.crt")) == 0) {
		is(ocsp("ca/issuing.crt", "stranger.crt", &e), 0,
		    "ocsp: one unknown to the store answered");
		snprintf(line, sizeof(line), "%s: unknown", P("stranger.crt"));
		ok(has("ocsp.out", line), "... unknown");
	} else
		ok(0, "ocsp: openssl x509 -req under the issuing CA");

	/* About another CA's certificate: unauthorized. */
	is(ocsp("ca/root.crt", "ca/issuing.crt", &e), 1,
	    "ocsp: about the root's certificate: an error response");
	is(run("openssl ocsp -respin %s -resp_text -noverify 2>&1 | "
	    "grep -q unauthorized", P("resp.der")), 0, "... unauthorized");

	/* Garbage. */
	rc = km_ca_ocsp(ca, (const unsigned char *)"garbage", 7, time(NULL),
	    &resp, &len, &e);
	is(rc, 1, "ocsp: garbage: an error response");
	ok(resp != NULL && len > 0, "... to send");
	if (resp != NULL) {
		spit("resp.der", resp, len, 0644);
		is(run("openssl ocsp -respin %s -resp_text -noverify 2>&1 | "
		    "grep -q malformedrequest", P("resp.der")), 0,
		    "... malformedRequest");
	}
	free(resp);
	ERR_clear_error();

	/* Without the OCSP key. */
	if (km_ca_open(&c, db, cfg, 0, &e) == 0) {
		resp = NULL;
		is(km_ca_ocsp(c, (const unsigned char *)"x", 1, time(NULL),
		    &resp, &len, &e), -1, "ocsp: without the key: -1");
		ok(e.eclass == KM_EUSAGE && resp == NULL, "... KM_EUSAGE");
		km_ca_free(c);
	}
}

/* ---- a card's certificates */

static void
test_card_certs(void)
{
	struct km_certstat *v = (struct km_certstat *)1;
	struct km_err e;
	size_t n = 99;

	is(km_ca_card_certs(db, ent.id, &v, &n, &e), 0, "card certs");
	if (!iso(n, 3, "... three"))
		return;
	is_str(v[0].serial, auth1, "... oldest first: the superseded");
	is_str(v[1].serial, auth2, "... then the second card-auth");
	is_str(v[2].serial, sign1, "... then the card-sign");
	is(v[0].reason, KM_RS_SUPERSEDED, "... the first superseded");
	is_str(v[2].profile, "card-sign", "... the last card-sign");
	ok(v[0].card_id == ent.id && v[2].card_id == ent.id,
	    "... the card's id");
	free(v);
	v = (struct km_certstat *)1;
	is(km_ca_card_certs(db, blocked.id, &v, &n, &e), 0,
	    "card certs of a card without any");
	ok(n == 0 && v == NULL, "... none, NULL");
}

/* ---- signatures */

static int
doc_sign(const char *key, const char *crt, const char *sig,
    char serial[KM_SERIALSZ], char sha[65], struct km_err *e)
{
	FILE *in, *out;
	int rv;

	memset(e, 0, sizeof(*e));
	if ((in = fopen(P("doc.txt"), "r")) == NULL ||
	    (out = fopen(P(sig), "w")) == NULL)
		return -2;
	km_db_begin(db, e);
	rv = km_doc_sign(db, cfg, P(key), P(crt), in, out, KM_CMS_DER,
	    serial, sha, e);
	if (rv == 0)
		km_db_commit(db, e);
	else
		km_db_rollback(db);
	fclose(in);
	fclose(out);
	return rv;
}

static int
verify(const char *sig, const char *doc, struct km_signer *s,
    struct km_err *e)
{
	FILE *fs, *fd;
	int rv;

	memset(e, 0, sizeof(*e));
	if ((fs = fopen(P(sig), "r")) == NULL ||
	    (fd = fopen(P(doc), "r")) == NULL)
		return -2;
	rv = km_ca_verify(ca, fs, fd, KM_CMS_DER, s, e);
	fclose(fs);
	fclose(fd);
	return rv;
}

static void
test_doc(void)
{
	static const char doc[] = "Umowa najmu lokalu nr 7/2026\n";
	struct km_signer s;
	struct km_err e;
	char serial[KM_SERIALSZ], sha[65], want[65];
	int rc;

	spit("doc.txt", doc, strlen(doc), 0644);
	spit("doc2.txt", "Umowa najmu lokalu nr 8/2026\n", 29, 0644);
	km_sha256_hex(doc, strlen(doc), want);
	ERR_clear_error();
	rc = doc_sign("e1sign.key", "e1sign.crt", "doc.p7s", serial, sha, &e);
	if (!iso(rc, 0, "doc sign"))
		printf("#   %s\n", e.msg);
	is_str(serial, sign1, "... by the card-sign certificate");
	is_str(sha, want, "... the document's SHA-256");
	is(q_int("SELECT COUNT(*) FROM audit WHERE action = 'doc.sign' AND "
	    "subject = '%s' AND detail LIKE '%%%s%%'", sign1, want), 1,
	    "... audited");
	is(run("openssl cms -verify -binary -inform DER -in %s -content %s "
	    "-CAfile %s -purpose any -out /dev/null 2>/dev/null",
	    P("doc.p7s"), P("doc.txt"), P("ca/root.crt")), 0,
	    "... openssl cms -verify agrees, with root.crt only");

	rc = verify("doc.p7s", "doc.txt", &s, &e);
	if (!iso(rc, 0, "verify: good"))
		printf("#   %s\n", e.msg);
	ok(ERR_peek_error() == 0, "doc: OpenSSL error queue empty");
	is(s.known, 1, "... known to the store");
	is_str(s.cert.serial, sign1, "... the signer's certificate");
	is(s.st.card_id, ent.id, "... the card's id");
	is_str(s.card.number, ent.number, "... the card");
	is_str(s.holder.email, "jan.kowalski@example.pl", "... the holder");
	is(s.st.status, KM_OCSP_GOOD, "... good");

	is(verify("doc.p7s", "doc2.txt", &s, &e), 1,
	    "verify: another document: 1");
	ERR_clear_error();
	is(verify("doc.txt", "doc.txt", &s, &e), -1,
	    "verify: not a signature: -1");
	ERR_clear_error();

	/* Refusals of km_doc_sign(). */
	is(doc_sign("e1auth.key", "e1auth2.crt", "x.p7s", serial, sha, &e), -1,
	    "doc sign: a key not the certificate's refused");
	ok(e.eclass == KM_EDATA && strstr(e.msg, "is not the key") != NULL,
	    "... KM_EDATA '%s'", e.msg);
	is(doc_sign("e1auth.key", "e1auth.crt", "x.p7s", serial, sha, &e), -1,
	    "doc sign: a card-auth certificate refused");
	ok(e.eclass == KM_EDATA && strstr(e.msg, "card-sign") != NULL,
	    "... KM_EDATA '%s'", e.msg);

	/* The card suspended: its certificate is on hold. */
	if (activate(&ent) == -1 || apply(&ent, KM_EV_SUSPEND, NULL, &e) == -1) {
		ok(0, "doc: suspend the card: %s", e.msg);
		return;
	}
	rc = verify("doc.p7s", "doc.txt", &s, &e);
	is(rc, 1, "verify after the card is suspended: 1");
	ok(strstr(e.msg, "on hold") != NULL, "... on hold: '%s'", e.msg);
	is(s.known, 1, "... known to the store");
	is_str(s.card.number, ent.number, "... the card named");
	is(doc_sign("e1sign.key", "e1sign.crt", "x.p7s", serial, sha, &e), -1,
	    "doc sign with the suspended card refused");
	ok(e.eclass == KM_EDATA && strstr(e.msg, "on hold") != NULL,
	    "... KM_EDATA '%s'", e.msg);
	is(sign_pub(NULL, KM_PROF_CARD_AUTH, ent.number, NULL,
	    &(struct km_ca_issued){ 0 }, &e), -1,
	    "sign for the suspended card refused");
	is(apply(&ent, KM_EV_RESUME, NULL, &e), 0, "resume the card");
	is(verify("doc.p7s", "doc.txt", &s, &e), 0,
	    "verify after it is resumed: 0");
	ERR_clear_error();
}

int
main(void)
{
	struct km_err e;
	int from, to;

	umask(022);
	unsetenv("KM_CA_PASSPHRASE");
	unsetenv("KM_SIGN_PASSPHRASE");
	unsetenv("KM_PKCS11_PIN");
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if (spit("pass", PASS "\n", strlen(PASS) + 1, 0600) == -1 ||
	    (cfg = config("km.yaml", "km.db", "ca", "pass",
	    "identification eticket payments")) == NULL ||
	    (cfg_np = config("km-np.yaml", "km.db", "ca-np", NULL,
	    "identification eticket payments")) == NULL ||
	    (cfg_res = config("km-res.yaml", "km.db", "ca", "pass",
	    "identification eticket payments esignature")) == NULL) {
		printf("Bail out! cannot make the configs\n");
		run("rm -rf %s", dir);
		return 1;
	}
	/* cfg_np's keys are those of ca/, to open with the environment's
	 * passphrase. */
	free(cfg_np->ca.root_key);
	free(cfg_np->ca.issuing_key);
	free(cfg_np->ca.ocsp_key);
	cfg_np->ca.root_key = strdup(P("ca/root.key"));
	cfg_np->ca.issuing_key = strdup(P("ca/issuing.key"));
	cfg_np->ca.ocsp_key = strdup(P("ca/ocsp.key"));
	if (km_db_open(&db, cfg, KM_DB_CREATE, &e) == -1 ||
	    km_db_migrate(db, &from, &to, &e) == -1) {
		printf("Bail out! %s\n", e.msg);
		run("rm -rf %s", dir);
		return 1;
	}
	km_db_set_actor(db, "tester");

	test_no_ca();
	test_init();
	test_init_files_in_way();
	test_open();
	if (km_ca_open(&ca, db, cfg, KM_CA_ISSUING_KEY | KM_CA_OCSP_KEY,
	    &e) == -1) {
		printf("Bail out! open: %s\n", e.msg);
	} else {
		test_sign();
		test_card_event();
		test_revoke();
		test_crl();
		test_ocsp();
		test_card_certs();
		test_doc();
		km_ca_free(ca);
	}
	km_db_close(db);
	km_cfg_free(cfg);
	km_cfg_free(cfg_np);
	km_cfg_free(cfg_res);
	if (getenv("T_CA_KEEP") == NULL)
		run("rm -rf %s", dir);
	else
		printf("# kept %s\n", dir);
	return done();
}
