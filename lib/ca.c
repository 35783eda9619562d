/*
 * ca.c -- the city's Certification Authority as the store knows it.  The
 * store holds the CAs (a root and the issuing CA under it), every
 * certificate the issuing CA signs, each linked to its card, and every
 * CRL it numbers; this module is where they meet the card register.  A
 * certificate's status changes in the same transaction as its card's
 * lifecycle (km_ca_card_event(), called by km_life_apply()), so the OCSP
 * responder, which answers from the store, tells of a blocked card at
 * once; the CRL, which must be signed with the issuing key, is written
 * right after the commit by whoever holds the key (km_ca_publish_due()),
 * else by kmca-crl from cron, and never goes backwards: its number and
 * its file are taken under one lock.  Keys are opened here from the
 * config's references and secrets (passphrase and PIN files, or the
 * environment); the OpenSSL work itself is pkey.c's, x509.c's, ocsp.c's
 * and cms.c's.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "km-internal.h"

#define SERIAL_BYTES	16		/* 128 random bits */
#define SECRET_MAX	1024
#define ROOT_CRL_DAYS	365
#define DOC_MAX		(256L * 1024 * 1024)	/* a document to sign */
#define DAY		86400

struct km_ca {
	struct km_db		*db;
	const struct km_cfg	*cfg;
	long long		 root_id, issuing_id;
	struct km_cert		*root, *issuing, *ocsp;
	struct km_certinfo	 root_info, issuing_info;
	struct km_key		*root_key, *issuing_key, *ocsp_key;
	char			*pass, *pin;
	struct km_keyopt	 opt;
};

/* The files of ca.dir kmca-init writes, in the order it writes them. */
enum { F_ROOT_KEY, F_ISSUING_KEY, F_OCSP_KEY, F_ROOT_CRT, F_ISSUING_CRT,
    F_OCSP_CRT, F_CHAIN, F_ROOT_CRL, F_ROOT_CRL_PEM, F_ISSUING_CRL,
    F_ISSUING_CRL_PEM, NFILES };
static const char *const file_names[NFILES] = {
	NULL, NULL, NULL, "root.crt", "issuing.crt", "ocsp.crt", "chain.pem",
	"root.crl", "root.crl.pem", "issuing.crl", "issuing.crl.pem"
};

static void
path_in(const struct km_cfg *cfg, const char *name, char *buf, size_t sz)
{
	snprintf(buf, sz, "%s/%s", cfg->ca.dir, name);
}

static int
is_uri(const char *ref)
{
	return strncmp(ref, "pkcs11:", 7) == 0;
}

/*
 * Reads a secret: from the file path (owner-only, first line) when path
 * is set, else from the environment variable env; *out is NULL when
 * neither gives one.  what names it in messages.
 */
static int
read_secret(const char *path, const char *env, const char *what, char **out,
    struct km_err *err)
{
	char buf[SECRET_MAX + 2];
	struct stat st;
	const char *v;
	ssize_t n;
	size_t len;
	int fd;

	*out = NULL;
	if (path == NULL) {
		if ((v = getenv(env)) == NULL || *v == '\0')
			return 0;
		if ((*out = strdup(v)) == NULL)
			return km_errf(err, KM_ESYS, "out of memory");
		return 0;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1)
		return km_errf(err, KM_EDATA, "cannot read %s file '%s': %s",
		    what, path, strerror(errno));
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 077) != 0) {
		close(fd);
		return km_errf(err, KM_EDATA, "%s file '%s' is not a regular "
		    "file readable by its owner only", what, path);
	}
	n = read(fd, buf, SECRET_MAX + 1);
	close(fd);
	if (n < 0)
		return km_errf(err, KM_EDATA, "cannot read %s file '%s': %s",
		    what, path, strerror(errno));
	if (n > SECRET_MAX) {
		km_wipe(buf, sizeof(buf));
		return km_errf(err, KM_EDATA, "%s file '%s' is longer than %d "
		    "bytes", what, path, SECRET_MAX);
	}
	buf[n] = '\0';
	len = strcspn(buf, "\r\n");
	buf[len] = '\0';
	if (len == 0) {
		km_wipe(buf, sizeof(buf));
		return km_errf(err, KM_EDATA, "%s file '%s' is empty", what,
		    path);
	}
	*out = strdup(buf);
	km_wipe(buf, sizeof(buf));
	if (*out == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	return 0;
}

static void
free_secret(char *s)
{
	if (s != NULL) {
		km_wipe(s, strlen(s));
		free(s);
	}
}

/* The passphrase and PIN of the config, into ca->opt. */
static int
secrets(struct km_ca *ca, struct km_err *err)
{
	const struct km_cfg *cfg = ca->cfg;

	if (read_secret(cfg->ca.passphrase_file, "KM_CA_PASSPHRASE",
	    "passphrase", &ca->pass, err) == -1 ||
	    read_secret(cfg->ca.pkcs11_pin_file, "KM_PKCS11_PIN", "PIN",
	    &ca->pin, err) == -1)
		return -1;
	ca->opt.passphrase = ca->pass;
	ca->opt.pin = ca->pin;
	ca->opt.module = cfg->ca.pkcs11_module;
	return 0;
}

/* Opens the key ref, which the config calls key (e.g. "ca.issuing_key"). */
static int
open_key(struct km_ca *ca, const char *key, const char *ref,
    struct km_key **k, struct km_err *err)
{
	if (is_uri(ref) && ca->cfg->ca.pkcs11_module == NULL)
		return km_errf(err, KM_EDATA, "%s is a pkcs11: URI and "
		    "ca.pkcs11_module is not set", key);
	if (km_key_open(k, ref, &ca->opt, err) == -1)
		return km_errpre(err, "%s", key);
	return 0;
}

static struct km_ca *
ca_new(struct km_db *db, const struct km_cfg *cfg, struct km_err *err)
{
	struct km_ca *ca;

	if ((ca = calloc(1, sizeof(*ca))) == NULL) {
		km_errf(err, KM_ESYS, "out of memory");
		return NULL;
	}
	ca->db = db;
	ca->cfg = cfg;
	return ca;
}

/* Frees the CA and wipes its secrets; NULL is allowed. */
void
km_ca_free(struct km_ca *ca)
{
	if (ca == NULL)
		return;
	km_cert_free(ca->root);
	km_cert_free(ca->issuing);
	km_cert_free(ca->ocsp);
	km_key_free(ca->root_key);
	km_key_free(ca->issuing_key);
	km_key_free(ca->ocsp_key);
	free_secret(ca->pass);
	free_secret(ca->pin);
	free(ca);
}

/* Normalises a serial in hex: upper case, no ':', an even length. */
static int
norm_serial(const char *in, char out[KM_SERIALSZ], struct km_err *err)
{
	size_t n = 0;
	const char *p;
	char buf[KM_SERIALSZ + 1];

	for (p = in; *p != '\0'; p++) {
		if (*p == ':')
			continue;
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') ||
		    (*p >= 'A' && *p <= 'F')) || n >= KM_SERIALSZ - 1)
			return km_errf(err, KM_EDATA, "serial '%.48s': not a "
			    "serial number in hex (up to 20 bytes)", in);
		buf[n++] = (*p >= 'a' && *p <= 'f') ? (char)(*p - 32) : *p;
	}
	if (n == 0)
		return km_errf(err, KM_EDATA, "serial '': empty");
	if (n % 2) {
		if (n >= KM_SERIALSZ - 1)
			return km_errf(err, KM_EDATA, "serial '%.48s': longer "
			    "than 20 bytes", in);
		out[0] = '0';
		memcpy(out + 1, buf, n);
		n++;
	} else
		memcpy(out, buf, n);
	out[n] = '\0';
	return 0;
}

/* ---- what the store holds */

/* Stores a CA row; *id gets its id. */
static int
store_ca(struct km_db *db, const char *name, const struct km_cert *c,
    const char *key_ref, long long *id, struct km_err *err)
{
	static const char q[] =
	    "INSERT INTO ca (name, subject, serial, key_ref, not_before,"
	    " not_after, der, crl_due, created_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8) RETURNING id";
	struct km_certinfo ci;
	char nb[KM_TIME_BUFSZ], na[KM_TIME_BUFSZ], at[KM_TIME_BUFSZ];
	unsigned char *der;
	size_t len;
	sqlite3_stmt *st;
	int rc;

	if (km_cert_info(c, &ci, err) == -1 ||
	    km_cert_der(c, &der, &len, err) == -1)
		return -1;
	if ((st = km_db_stmt(db, q, err)) == NULL) {
		free(der);
		return -1;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ci.subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, ci.serial, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, key_ref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, km_time_iso(ci.not_before, nb), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, km_time_iso(ci.not_after, na), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 7, der, (int)len, free);
	sqlite3_bind_text(st, 8, km_time_iso(km_db_now(db), at), -1,
	    SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return km_db_err(db, rc, "ca", err);
	return 0;
}

static int	store_cert_info(struct km_db *, long long, long long,
		    const char *, const struct km_cert *,
		    const struct km_certinfo *, const char *, struct km_err *);

/* Stores a certificate the CA issuer signed, with its audit row. */
static int
store_cert(struct km_db *db, long long issuer, long long card,
    const char *profile, const struct km_cert *c, const char *key_type,
    struct km_err *err)
{
	struct km_certinfo ci;

	if (km_cert_info(c, &ci, err) == -1)
		return -1;
	return store_cert_info(db, issuer, card, profile, c, &ci, key_type,
	    err);
}

/* The same with the certificate's km_cert_info() at hand. */
static int
store_cert_info(struct km_db *db, long long issuer, long long card,
    const char *profile, const struct km_cert *c,
    const struct km_certinfo *cip, const char *key_type, struct km_err *err)
{
	static const char q[] =
	    "INSERT INTO cert (serial, issuer, card_id, profile, subject,"
	    " key_id, key_type, not_before, not_after, status, issued_at,"
	    " actor, der) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'good',"
	    " ?10, ?11, ?12)";
	const struct km_certinfo *ci = cip;
	char nb[KM_TIME_BUFSZ], na[KM_TIME_BUFSZ], at[KM_TIME_BUFSZ];
	char detail[256];
	unsigned char *der;
	size_t len;
	sqlite3_stmt *st;
	int rc;

	if (km_cert_der(c, &der, &len, err) == -1)
		return -1;
	if ((st = km_db_stmt(db, q, err)) == NULL) {
		free(der);
		return -1;
	}
	sqlite3_bind_text(st, 1, ci->serial, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, issuer);
	if (card > 0)
		sqlite3_bind_int64(st, 3, card);
	sqlite3_bind_text(st, 4, profile, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, ci->subject, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, ci->key_id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, key_type, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 8, km_time_iso(ci->not_before, nb), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 9, km_time_iso(ci->not_after, na), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 10, km_time_iso(km_db_now(db), at), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 11, km_db_actor(db), -1, SQLITE_TRANSIENT);
	sqlite3_bind_blob(st, 12, der, (int)len, free);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc == SQLITE_CONSTRAINT_UNIQUE)
		return km_errf(err, KM_ETEMP, "serial '%s' is taken: try again",
		    ci->serial);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "cert", err);
	snprintf(detail, sizeof(detail), "profile=%s key=%s not_after=%s",
	    profile, key_type, na);
	return km_audit(db, "ca.sign", ci->serial, detail, err);
}

/* A revocation awaits its CRL. */
static int
crl_due(struct km_db *db, struct km_err *err)
{
	static const char q[] =
	    "UPDATE ca SET crl_due = 1 WHERE name = 'issuing'";
	sqlite3_stmt *st;
	int rc;

	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "ca", err);
	return 0;
}

/*
 * Moves certificate id (serial, for the audit) to status with reason
 * (-1: none) and writes the audit row, naming why (may be NULL).
 */
static int
set_status(struct km_db *db, long long id, const char *serial,
    const char *status, int reason, const char *why, struct km_err *err)
{
	static const char q[] =
	    "UPDATE cert SET status = ?2, revoked_at = ?3, reason = ?4,"
	    " held_by = ?5 WHERE id = ?1";
	sqlite3_stmt *st;
	char at[KM_TIME_BUFSZ], detail[160];
	const char *action;
	int rc, good = strcmp(status, "good") == 0;

	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
	if (!good) {
		sqlite3_bind_text(st, 3, km_time_iso(km_db_now(db), at), -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 4, reason);
	}
	if (reason == KM_RS_HOLD)	/* why: NULL for an admin's */
		sqlite3_bind_text(st, 5, why != NULL ? "card" : "admin", -1,
		    SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "cert", err);
	action = good ? "ca.release" : reason == KM_RS_HOLD ? "ca.hold" :
	    "ca.revoke";
	snprintf(detail, sizeof(detail), "reason=%s%s%s",
	    good ? "removeFromCRL" : km_reason_name(reason),
	    why != NULL ? " " : "", why != NULL ? why : "");
	if (km_audit(db, action, serial, detail, err) == -1)
		return -1;
	return crl_due(db, err);
}

/* ---- opening the CA */

/* Loads the CA rows of the store into ca. */
static int
load_cas(struct km_ca *ca, struct km_err *err)
{
	static const char q[] = "SELECT id, name, der FROM ca";
	sqlite3_stmt *st;
	struct km_cert *c;
	char name[16];
	int rc;

	if ((st = km_db_stmt(ca->db, q, err)) == NULL)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		km_db_col(st, 1, name, sizeof(name));
		if (km_cert_parse(&c, sqlite3_column_blob(st, 2),
		    (size_t)sqlite3_column_bytes(st, 2), err) == -1) {
			sqlite3_reset(st);
			return km_errpre(err, "the store's %s CA", name);
		}
		if (strcmp(name, "root") == 0 && ca->root == NULL) {
			ca->root = c;
			ca->root_id = sqlite3_column_int64(st, 0);
		} else if (strcmp(name, "issuing") == 0 &&
		    ca->issuing == NULL) {
			ca->issuing = c;
			ca->issuing_id = sqlite3_column_int64(st, 0);
		} else
			km_cert_free(c);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(ca->db, rc, "ca", err);
	if (ca->root == NULL || ca->issuing == NULL)
		return km_errf(err, KM_EDATA, "no CA in the store: run "
		    "kmca-init");
	if (km_cert_info(ca->root, &ca->root_info, err) == -1 ||
	    km_cert_info(ca->issuing, &ca->issuing_info, err) == -1)
		return -1;
	return 0;
}

/* The newest good OCSP responder certificate whose key is ca->ocsp_key. */
static int
load_ocsp(struct km_ca *ca, struct km_err *err)
{
	static const char q[] =
	    "SELECT der FROM cert WHERE profile = 'ocsp' AND status = 'good'"
	    " AND key_id = ?1 ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *st;
	char kid[65];
	int rc;

	if (km_key_id(ca->ocsp_key, kid, err) == -1 ||
	    (st = km_db_stmt(ca->db, q, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, kid, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		rc = km_cert_parse(&ca->ocsp, sqlite3_column_blob(st, 0),
		    (size_t)sqlite3_column_bytes(st, 0), err) == -1 ? -1 :
		    SQLITE_ROW;
	sqlite3_reset(st);
	if (rc == -1)
		return -1;
	if (rc == SQLITE_DONE)
		return km_errf(err, KM_EDATA, "ca.ocsp_key: no good OCSP "
		    "responder certificate in the store has this key");
	if (rc != SQLITE_ROW)
		return km_db_err(ca->db, rc, "cert", err);
	return 0;
}

/* Opens the key of a CA and checks it is the certificate's. */
static int
open_ca_key(struct km_ca *ca, const char *what, const char *ref,
    const struct km_cert *c, struct km_key **k, struct km_err *err)
{
	struct km_key *pub;
	int same;

	if (open_key(ca, what, ref, k, err) == -1)
		return -1;
	if (km_cert_pubkey(c, &pub, err) == -1)
		return -1;
	same = km_key_same(*k, pub);
	km_key_free(pub);
	if (!same)
		return km_errf(err, KM_EDATA, "%s is not the key of the "
		    "store's certificate", what);
	return 0;
}

/*
 * Opens the CA of the store for work, with the keys asked for (KM_CA_*
 * bits).  Returns 0 or -1.
 */
int
km_ca_open(struct km_ca **cap, struct km_db *db, const struct km_cfg *cfg,
    unsigned keys, struct km_err *err)
{
	struct km_ca *ca;

	*cap = NULL;
	if ((ca = ca_new(db, cfg, err)) == NULL)
		return -1;
	if (load_cas(ca, err) == -1 ||
	    (keys != 0 && secrets(ca, err) == -1) ||
	    ((keys & KM_CA_ROOT_KEY) && open_ca_key(ca, "ca.root_key",
	    cfg->ca.root_key, ca->root, &ca->root_key, err) == -1) ||
	    ((keys & KM_CA_ISSUING_KEY) && open_ca_key(ca, "ca.issuing_key",
	    cfg->ca.issuing_key, ca->issuing, &ca->issuing_key, err) == -1) ||
	    ((keys & KM_CA_OCSP_KEY) && (open_key(ca, "ca.ocsp_key",
	    cfg->ca.ocsp_key, &ca->ocsp_key, err) == -1 ||
	    load_ocsp(ca, err) == -1))) {
		km_ca_free(ca);
		return -1;
	}
	*cap = ca;
	return 0;
}

/* ---- kmca-init */

/* A subject of C, O and CN. */
static void
ca_subject(struct km_certreq *r, const struct km_cfg *cfg, const char *cn)
{
	r->subject[0].attr = "C";
	r->subject[0].value = cfg->ca.country;
	r->subject[1].attr = "O";
	r->subject[1].value = cfg->ca.name;
	r->subject[2].attr = "CN";
	r->subject[2].value = cn;
	r->nsubject = 3;
}

static time_t
min_time(time_t a, time_t b)
{
	return a < b ? a : b;
}

/* A key of the CA: the HSM's for a URI, else a new one to be written. */
static int
init_key(struct km_ca *ca, const char *what, const char *ref,
    struct km_key **k, struct km_err *err)
{
	if (is_uri(ref))
		return open_key(ca, what, ref, k, err);
	if (ca->pass == NULL)
		return km_errf(err, KM_EDATA, "%s: no passphrase for the new "
		    "key: set ca.passphrase_file or KM_CA_PASSPHRASE", what);
	if (strlen(ca->pass) < 8)	/* km_key_write()'s least */
		return km_errf(err, KM_EDATA, "%s: the passphrase for the new "
		    "key is shorter than 8 bytes", what);
	if (access(ref, F_OK) == 0)
		return km_errf(err, KM_EDATA, "%s: '%s' exists already", what,
		    ref);
	if (km_key_generate(k, ca->cfg->ca.key_type, err) == -1)
		return km_errpre(err, "%s", what);
	return 0;
}

/* Makes one CRL of issuer (certificate c, key k) with no entries. */
static int
empty_crl(struct km_ca *ca, struct km_key *k, const struct km_cert *c,
    long long caid, int days, unsigned char **der, size_t *len, char **pem,
    struct km_err *err)
{
	static const char q[] =
	    "INSERT INTO crl (issuer, number, this_update, next_update,"
	    " entries, sha256, actor) VALUES (?1, 1, ?2, ?3, 0, ?4, ?5)";
	time_t now = km_db_now(ca->db);
	char tu[KM_TIME_BUFSZ], nu[KM_TIME_BUFSZ], sha[65], detail[64];
	sqlite3_stmt *st;
	int rc;

	if (km_crl_make(k, c, 1, now, now + (time_t)days * DAY, NULL, 0, der,
	    len, err) == -1 ||
	    km_pem_encode("X509 CRL", *der, *len, pem, err) == -1 ||
	    km_sha256_hex(*der, *len, sha) == -1)
		return -1;
	if ((st = km_db_stmt(ca->db, q, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, caid);
	sqlite3_bind_text(st, 2, km_time_iso(now, tu), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, km_time_iso(now + (time_t)days * DAY, nu), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, sha, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, km_db_actor(ca->db), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(ca->db, rc, "crl", err);
	snprintf(detail, sizeof(detail), "number=1 entries=0");
	return km_audit(ca->db, "ca.crl", caid == ca->root_id ? "root" :
	    "issuing", detail, err);
}

/* Appends the PEM of c to the malloc'd string *s. */
static int
append_pem(char **s, const struct km_cert *c, struct km_err *err)
{
	char *pem, *n;
	size_t a = *s != NULL ? strlen(*s) : 0, b;

	if (km_cert_pem(c, &pem, err) == -1)
		return -1;
	b = strlen(pem);
	if ((n = realloc(*s, a + b + 1)) == NULL) {
		free(pem);
		return km_errf(err, KM_ESYS, "out of memory");
	}
	memcpy(n + a, pem, b + 1);
	free(pem);
	*s = n;
	return 0;
}

/*
 * Creates the CA (see km.h).  The keys are made (or found in the HSM)
 * first, then the certificates, the rows and the CRLs; the files are
 * written last, and all of them are removed again if one cannot be.
 */
int
km_ca_init(struct km_db *db, const struct km_cfg *cfg, struct km_ca_made *m,
    struct km_err *err)
{
	static const char q_any[] = "SELECT subject FROM ca LIMIT 1";
	struct km_ca *ca;
	struct km_certreq r;
	struct km_certinfo ci;
	char path[PATH_MAX], cn[KM_DNSZ], subj[KM_DNSZ];
	const char *refs[3];
	char *text[NFILES] = { NULL };
	unsigned char *bin[NFILES] = { NULL };
	size_t binlen[NFILES] = { 0 };
	struct km_key **keys[3];
	sqlite3_stmt *st;
	time_t now = km_db_now(db);
	int rc, i, written = -1, rv = -1;

	memset(m, 0, sizeof(*m));
	if ((st = km_db_stmt(db, q_any, err)) == NULL)
		return -1;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		km_db_col(st, 0, subj, sizeof(subj));
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return km_errf(err, KM_EDATA, "the store has a CA already "
		    "('%s')", subj);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "ca", err);
	for (i = F_ROOT_CRT; i < NFILES; i++) {
		path_in(cfg, file_names[i], path, sizeof(path));
		if (access(path, F_OK) == 0)
			return km_errf(err, KM_EDATA, "'%s' exists already",
			    path);
	}
	if ((ca = ca_new(db, cfg, err)) == NULL)
		return -1;
	if (secrets(ca, err) == -1)
		goto out;
	refs[0] = cfg->ca.root_key;
	refs[1] = cfg->ca.issuing_key;
	refs[2] = cfg->ca.ocsp_key;
	keys[0] = &ca->root_key;
	keys[1] = &ca->issuing_key;
	keys[2] = &ca->ocsp_key;
	if (init_key(ca, "ca.root_key", refs[0], keys[0], err) == -1 ||
	    init_key(ca, "ca.issuing_key", refs[1], keys[1], err) == -1 ||
	    init_key(ca, "ca.ocsp_key", refs[2], keys[2], err) == -1)
		goto out;
	/* Only now, with the secrets and keys found good, is ca.dir made. */
	if (mkdir(cfg->ca.dir, 0755) == -1 && errno != EEXIST) {
		km_errf(err, KM_EDATA, "cannot make ca.dir '%s': %s",
		    cfg->ca.dir, strerror(errno));
		goto out;
	}

	/* The root, self-signed. */
	memset(&r, 0, sizeof(r));
	snprintf(cn, sizeof(cn), "%s Root CA", cfg->ca.name);
	ca_subject(&r, cfg, cn);
	r.key = ca->root_key;
	r.seriallen = SERIAL_BYTES;
	r.not_before = now;
	r.not_after = now + (time_t)cfg->ca.root_days * DAY;
	r.ku = KM_KU_KEY_CERT_SIGN | KM_KU_CRL_SIGN;
	r.ca = 1;
	r.pathlen = 1;
	if (km_serial_random(r.serial, r.seriallen, m->root_serial, err) ==
	    -1 || km_cert_make(&r, ca->root_key, NULL, &ca->root, err) == -1)
		goto out;

	/* The issuing CA, under the root. */
	snprintf(cn, sizeof(cn), "%s Issuing CA", cfg->ca.name);
	ca_subject(&r, cfg, cn);
	r.key = ca->issuing_key;
	r.not_after = min_time(now + (time_t)cfg->ca.issuing_days * DAY,
	    r.not_after);
	r.pathlen = 0;
	if (km_serial_random(r.serial, r.seriallen, m->issuing_serial, err) ==
	    -1 || km_cert_make(&r, ca->root_key, ca->root, &ca->issuing,
	    err) == -1)
		goto out;

	/* The OCSP responder, delegated by the issuing CA. */
	snprintf(cn, sizeof(cn), "%s OCSP Responder", cfg->ca.name);
	ca_subject(&r, cfg, cn);
	r.key = ca->ocsp_key;
	r.not_after = min_time(now +
	    (time_t)cfg->ca.profile[KM_PROF_OCSP].days * DAY, r.not_after);
	r.ca = 0;
	r.pathlen = -1;
	r.ku = cfg->ca.profile[KM_PROF_OCSP].ku;
	r.eku = cfg->ca.profile[KM_PROF_OCSP].eku;
	r.ocsp_nocheck = 1;
	if (km_serial_random(r.serial, r.seriallen, m->ocsp_serial, err) ==
	    -1 || km_cert_make(&r, ca->issuing_key, ca->issuing, &ca->ocsp,
	    err) == -1)
		goto out;

	/* The store. */
	if (store_ca(db, "root", ca->root, refs[0], &ca->root_id, err) == -1 ||
	    store_ca(db, "issuing", ca->issuing, refs[1], &ca->issuing_id,
	    err) == -1 ||
	    km_audit(db, "ca.init", m->root_serial, "root", err) == -1 ||
	    store_cert(db, ca->root_id, 0, "issuing-ca", ca->issuing,
	    km_keytype_name(km_key_type(ca->issuing_key)), err) == -1 ||
	    store_cert(db, ca->issuing_id, 0, km_profile_name(KM_PROF_OCSP),
	    ca->ocsp, km_keytype_name(km_key_type(ca->ocsp_key)), err) == -1)
		goto out;

	/* The files' contents. */
	if (km_cert_pem(ca->root, &text[F_ROOT_CRT], err) == -1 ||
	    km_cert_pem(ca->issuing, &text[F_ISSUING_CRT], err) == -1 ||
	    km_cert_pem(ca->ocsp, &text[F_OCSP_CRT], err) == -1 ||
	    append_pem(&text[F_CHAIN], ca->issuing, err) == -1 ||
	    append_pem(&text[F_CHAIN], ca->root, err) == -1 ||
	    empty_crl(ca, ca->root_key, ca->root, ca->root_id, ROOT_CRL_DAYS,
	    &bin[F_ROOT_CRL], &binlen[F_ROOT_CRL], &text[F_ROOT_CRL_PEM],
	    err) == -1 ||
	    empty_crl(ca, ca->issuing_key, ca->issuing, ca->issuing_id,
	    cfg->ca.crl_days, &bin[F_ISSUING_CRL], &binlen[F_ISSUING_CRL],
	    &text[F_ISSUING_CRL_PEM], err) == -1)
		goto out;

	/* The files: keys first, then the rest. */
	for (i = 0; i < NFILES; i++) {
		if (i < 3) {
			if (is_uri(refs[i])) {
				written = i;
				continue;
			}
			if (km_key_write(*keys[i], refs[i], ca->pass,
			    err) == -1)
				goto out;
		} else {
			const void *data = bin[i] != NULL ?
			    (const void *)bin[i] : text[i];
			size_t dlen = bin[i] != NULL ? binlen[i] :
			    strlen(text[i]);

			path_in(cfg, file_names[i], path, sizeof(path));
			if (km_file_write(path, data, dlen, 0644,
			    KM_FILE_EXCL, err) == -1)
				goto out;
		}
		written = i;
	}

	if (km_cert_info(ca->root, &ci, err) == -1)
		goto out;
	km_strlcpy(m->root_subject, ci.subject, sizeof(m->root_subject));
	if (km_cert_info(ca->issuing, &ci, err) == -1)
		goto out;
	km_strlcpy(m->issuing_subject, ci.subject, sizeof(m->issuing_subject));
	km_strlcpy(m->key_type, km_keytype_name(km_key_type(ca->issuing_key)),
	    sizeof(m->key_type));
	m->hsm = is_uri(refs[1]);
	rv = 0;
out:
	if (rv == -1)
		for (i = 0; i <= written; i++) {
			if (i < 3 && is_uri(refs[i]))
				continue;
			if (i < 3)
				unlink(refs[i]);
			else {
				path_in(cfg, file_names[i], path, sizeof(path));
				unlink(path);
			}
		}
	for (i = 0; i < NFILES; i++) {
		free(text[i]);
		free(bin[i]);
	}
	km_ca_free(ca);
	return rv;
}

/* ---- issuing */

/* The allowed key types of a profile, for messages. */
static void
keys_allowed(unsigned bits, char *buf, size_t sz)
{
	size_t n = 0;
	int t;

	buf[0] = '\0';
	for (t = 1; t < KM_NKEYTYPES && n < sz; t++)
		if (bits & (1U << t))
			n += (size_t)snprintf(buf + n, sz - n, "%s%s",
			    n ? ", " : "", km_keytype_name(t));
}

/* Is serial (hex) taken by a certificate or a CA? */
static int
serial_taken(struct km_db *db, const char *serial, int *taken,
    struct km_err *err)
{
	static const char q[] =
	    "SELECT 1 FROM cert WHERE serial = ?1"
	    " UNION ALL SELECT 1 FROM ca WHERE serial = ?1";
	sqlite3_stmt *st;
	int rc;

	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return km_db_err(db, rc, "cert", err);
	*taken = rc == SQLITE_ROW;
	return 0;
}

/* A certificate of a card, as the lifecycle and superseding move it. */
struct crow {
	long long	 id;
	char		 serial[KM_SERIALSZ];
	int		 hold;		/* on hold */
	int		 admin;		/* held by an admin, not by the card */
};

/*
 * The certificates of card still good, or good or on hold (goodonly 0),
 * of profile ("": any), oldest first, into *v (malloc'd, NULL when none).
 */
static int
card_rows(struct km_db *db, long long card, const char *profile,
    int goodonly, struct crow **v, size_t *n, struct km_err *err)
{
	static const char q[] =
	    "SELECT id, serial, status, held_by FROM cert WHERE card_id = ?1"
	    " AND (?2 = '' OR profile = ?2)"
	    " AND (status = 'good' OR (?3 = 0 AND status = 'hold'))"
	    " ORDER BY id";
	sqlite3_stmt *st;
	struct crow *a = NULL, *na;
	size_t k = 0, cap = 0;
	char buf[8];
	int rc;

	*v = NULL;
	*n = 0;
	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, card);
	sqlite3_bind_text(st, 2, profile, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, goodonly);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? 2 * cap : 8;
			if ((na = realloc(a, cap * sizeof(*a))) == NULL) {
				sqlite3_reset(st);
				free(a);
				return km_errf(err, KM_ESYS, "out of memory");
			}
			a = na;
		}
		a[k].id = sqlite3_column_int64(st, 0);
		km_db_col(st, 1, a[k].serial, KM_SERIALSZ);
		km_db_col(st, 2, buf, sizeof(buf));
		a[k].hold = strcmp(buf, "hold") == 0;
		km_db_col(st, 3, buf, sizeof(buf));
		a[k].admin = strcmp(buf, "admin") == 0;
		k++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(a);
		return km_db_err(db, rc, "cert", err);
	}
	*v = a;
	*n = k;
	return 0;
}

/* Revokes as superseded the good certificates of card of profile. */
static int
supersede(struct km_db *db, long long card, const char *profile,
    size_t *n, struct km_err *err)
{
	struct crow *v;
	size_t k, i;

	*n = 0;
	if (card_rows(db, card, profile, 1, &v, &k, err) == -1)
		return -1;
	for (i = 0; i < k; i++)
		if (set_status(db, v[i].id, v[i].serial, "revoked",
		    KM_RS_SUPERSEDED, "by a new certificate", err) == -1) {
			free(v);
			return -1;
		}
	free(v);
	*n = k;
	return 0;
}

/* The subject of a card's certificate, from the store. */
static void
card_subject(struct km_certreq *r, const struct km_cfg *cfg,
    const struct km_card *c, const struct km_holder *h, char *cn, size_t cnsz,
    char *orgid, size_t orgidsz)
{
	size_t i = 0;

	snprintf(cn, cnsz, "%s %s", h->first_name, h->surname);
	r->subject[i].attr = "C";
	r->subject[i++].value = cfg->ca.country;
	if (h->kind == KM_CARD_ENTREPRENEUR && h->company[0] != '\0') {
		r->subject[i].attr = "O";
		r->subject[i++].value = h->company;
	}
	if (h->kind == KM_CARD_ENTREPRENEUR && h->nip[0] != '\0') {
		snprintf(orgid, orgidsz, "VATPL-%s", h->nip);
		r->subject[i].attr = "organizationIdentifier";
		r->subject[i++].value = orgid;
	}
	r->subject[i].attr = "GN";
	r->subject[i++].value = h->first_name;
	r->subject[i].attr = "SN";
	r->subject[i++].value = h->surname;
	r->subject[i].attr = "CN";
	r->subject[i++].value = cn;
	r->subject[i].attr = "serialNumber";
	r->subject[i++].value = c->number;
	r->nsubject = i;
}

/* Issues a certificate (see km.h). */
int
km_ca_sign(struct km_ca *ca, int profile, const unsigned char *req, size_t n,
    const char *name, const char *cardno, const char *cn,
    struct km_ca_issued *out, struct km_err *err)
{
	struct km_key *key;
	int iscsr;

	memset(out, 0, sizeof(*out));
	if (km_req_parse(req, n, name, &key, &iscsr, err) == -1)
		return -1;
	return km_ca_sign_key(ca, profile, key, name, cardno, cn, out, err);
}

/* Issues a certificate for a key already parsed (see km.h). */
int
km_ca_sign_key(struct km_ca *ca, int profile, struct km_key *key,
    const char *name, const char *cardno, const char *cn,
    struct km_ca_issued *out, struct km_err *err)
{
	const struct km_cfg *cfg = ca->cfg;
	const struct km_profile *p;
	struct km_cert *cert = NULL;
	struct km_certreq r;
	struct km_card card;
	struct km_holder h;
	struct km_certinfo ci;
	char allowed[128], desc[32], cnbuf[2 * KM_NAMESZ + 2], orgid[32];
	time_t now = km_db_now(ca->db);
	int type, taken, tries, rv = -1;
	int iscard = profile == KM_PROF_CARD_AUTH ||
	    profile == KM_PROF_CARD_SIGN;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if (profile < 0 || profile >= KM_NPROFILES) {
		km_errf(err, KM_EUSAGE, "unknown profile");
		goto out;
	}
	if (ca->issuing_key == NULL) {
		km_errf(err, KM_EUSAGE, "the issuing key is not open");
		goto out;
	}
	p = &cfg->ca.profile[profile];
	if (iscard && (cardno == NULL || *cardno == '\0')) {
		km_errf(err, KM_EUSAGE, "request '%s': profile '%s' needs a "
		    "card", name, km_profile_name(profile));
		goto out;
	}
	if (!iscard && (cn == NULL || *cn == '\0')) {
		km_errf(err, KM_EUSAGE, "request '%s': profile '%s' needs a "
		    "common name", name, km_profile_name(profile));
		goto out;
	}
	type = km_key_type(key);
	if (type == KM_KEY_NONE || !(p->keys & (1U << type))) {
		km_key_describe(key, desc, sizeof(desc));
		keys_allowed(p->keys, allowed, sizeof(allowed));
		km_errf(err, KM_EDATA, "request '%s': a %s key is not allowed "
		    "by profile '%s' (%s)", name, desc,
		    km_profile_name(profile), allowed);
		goto out;
	}

	r.key = key;
	r.not_before = now;
	r.not_after = min_time(now + (time_t)p->days * DAY,
	    ca->issuing_info.not_after);
	if (iscard) {
		if (km_card_by_number(ca->db, cardno, &card, err) == -1) {
			km_errpre(err, "request '%s'", name);
			goto out;
		}
		if (card.state != KM_ST_ORDERED &&
		    card.state != KM_ST_PERSONALISED &&
		    card.state != KM_ST_ACTIVE) {
			km_errf(err, KM_EDATA, "request '%s': card '%s' is %s: "
			    "no certificate is issued for it", name,
			    card.number, km_state_name(card.state));
			goto out;
		}
		if (!(card.services & (profile == KM_PROF_CARD_SIGN ?
		    KM_SVC_ESIGN : KM_SVC_ID))) {
			km_errf(err, KM_EDATA, "request '%s': card '%s' does "
			    "not have the %s service, which profile '%s' "
			    "needs", name, card.number,
			    km_service_name(profile == KM_PROF_CARD_SIGN ?
			    KM_SVC_ESIGN : KM_SVC_ID),
			    km_profile_name(profile));
			goto out;
		}
		if (km_holder_get(ca->db, card.holder_id, &h, err) == -1)
			goto out;
		if (profile == KM_PROF_CARD_SIGN && h.email[0] == '\0') {
			km_errf(err, KM_EDATA, "request '%s': card '%s': the "
			    "holder has no e-mail address, which profile "
			    "'card-sign' needs", name, card.number);
			goto out;
		}
		card_subject(&r, cfg, &card, &h, cnbuf, sizeof(cnbuf), orgid,
		    sizeof(orgid));
		if (profile == KM_PROF_CARD_SIGN)
			r.email = h.email;
		r.not_after = min_time(r.not_after, card.expires_at);
		if (r.not_after <= now) {
			km_errf(err, KM_EDATA, "request '%s': card '%s' "
			    "expires before the certificate could start", name,
			    card.number);
			goto out;
		}
	} else
		ca_subject(&r, cfg, cn);
	r.ku = p->ku;
	r.eku = p->eku;
	r.pathlen = -1;
	r.ocsp_nocheck = profile == KM_PROF_OCSP;
	r.crl_url = cfg->ca.crl_url;
	r.ocsp_url = profile == KM_PROF_OCSP ? NULL : cfg->ca.ocsp_url;
	r.seriallen = SERIAL_BYTES;
	for (tries = 0;; tries++) {
		if (km_serial_random(r.serial, r.seriallen, out->serial, err) ==
		    -1 || serial_taken(ca->db, out->serial, &taken, err) == -1)
			goto out;
		if (!taken)
			break;
		if (tries == 3) {
			km_errf(err, KM_ESYS, "no free serial number after %d "
			    "tries", tries + 1);
			goto out;
		}
	}
	if (km_cert_make(&r, ca->issuing_key, ca->issuing, &cert, err) == -1) {
		km_errpre(err, "request '%s'", name);
		goto out;
	}
	if (iscard && supersede(ca->db, card.id, km_profile_name(profile),
	    &out->superseded, err) == -1)
		goto out;
	if (km_cert_info(cert, &ci, err) == -1 ||
	    store_cert_info(ca->db, ca->issuing_id, iscard ? card.id : 0,
	    km_profile_name(profile), cert, &ci, km_keytype_name(type),
	    err) == -1 || km_cert_pem(cert, &out->pem, err) == -1)
		goto out;
	km_strlcpy(out->card, iscard ? card.number : "", sizeof(out->card));
	out->profile = profile;
	km_strlcpy(out->subject, ci.subject, sizeof(out->subject));
	km_strlcpy(out->key_type, km_keytype_name(type),
	    sizeof(out->key_type));
	out->not_before = ci.not_before;
	out->not_after = ci.not_after;
	rv = 0;
out:
	km_key_free(key);
	km_cert_free(cert);
	return rv;
}

/* ---- revocation */

/* The certificates' side of a card's lifecycle event (see km.h). */
int
km_ca_card_event(struct km_db *db, long long card, int ev, size_t *np,
    struct km_err *err)
{
	struct crow *c;
	char why[32];
	size_t k, i, n = 0;
	const char *to;
	int reason;

	if (np != NULL)
		*np = 0;
	switch (ev) {
	case KM_EV_SUSPEND:
		to = "hold", reason = KM_RS_HOLD;
		break;
	case KM_EV_RESUME:
		to = "good", reason = -1;
		break;
	case KM_EV_BLOCK:
		to = "revoked", reason = KM_RS_KEY_COMPROMISE;
		break;
	case KM_EV_REPLACE:
		to = "revoked", reason = KM_RS_SUPERSEDED;
		break;
	case KM_EV_REVOKE:
	case KM_EV_EXPIRE:
		to = "revoked", reason = KM_RS_CESSATION;
		break;
	default:
		return 0;
	}
	if (card_rows(db, card, "", 0, &c, &k, err) == -1)
		return -1;
	snprintf(why, sizeof(why), "card.%s", km_ev_name(ev));
	for (i = 0; i < k; i++) {
		/* Suspend holds the good ones; resume releases what the
		 * suspension held, and leaves an admin's hold alone. */
		if ((ev == KM_EV_SUSPEND && c[i].hold) ||
		    (ev == KM_EV_RESUME && (!c[i].hold || c[i].admin)))
			continue;
		if (set_status(db, c[i].id, c[i].serial, to, reason, why,
		    err) == -1) {
			free(c);
			return -1;
		}
		n++;
	}
	free(c);
	if (np != NULL)
		*np = n;
	return 0;
}

/* The store's row of serial: 1, or 0 if there is none; *id its id. */
static int
cert_row(struct km_db *db, const char *serial, struct km_certstat *s,
    long long *id, struct km_err *err)
{
	static const char q[] =
	    "SELECT id, serial, profile, subject, status, revoked_at, reason,"
	    " not_before, not_after, card_id, issuer, held_by FROM cert"
	    " WHERE serial = ?1";
	sqlite3_stmt *st;
	char buf[KM_TIME_BUFSZ], status[8];
	int rc;

	memset(s, 0, sizeof(*s));
	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, serial, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		km_db_col(st, 1, s->serial, sizeof(s->serial));
		km_db_col(st, 2, s->profile, sizeof(s->profile));
		km_db_col(st, 3, s->subject, sizeof(s->subject));
		km_db_col(st, 4, status, sizeof(status));
		s->status = strcmp(status, "good") == 0 ? KM_OCSP_GOOD :
		    KM_OCSP_REVOKED;
		s->hold = strcmp(status, "hold") == 0;
		km_db_col(st, 5, buf, sizeof(buf));
		if (buf[0] != '\0')
			km_time_parse(buf, &s->revoked_at, NULL);
		s->reason = sqlite3_column_type(st, 6) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 6);
		km_db_col(st, 7, buf, sizeof(buf));
		km_time_parse(buf, &s->not_before, NULL);
		km_db_col(st, 8, buf, sizeof(buf));
		km_time_parse(buf, &s->not_after, NULL);
		s->card_id = sqlite3_column_int64(st, 9);
		s->issuer = sqlite3_column_int64(st, 10);
		km_db_col(st, 11, buf, sizeof(buf));
		s->admin_hold = s->hold && strcmp(buf, "admin") == 0;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "cert", err);
	return 0;
}

/* A certificate's status (see km.h). */
int
km_ca_status(struct km_db *db, const char *serial, struct km_certstat *s,
    struct km_err *err)
{
	char norm[KM_SERIALSZ];
	long long id;

	if (norm_serial(serial, norm, err) == -1)
		return -1;
	return cert_row(db, norm, s, &id, err);
}

/* Revokes, holds or releases one certificate (see km.h). */
int
km_ca_revoke(struct km_db *db, const char *serial, int reason,
    struct km_err *err)
{
	struct km_certstat s;
	char norm[KM_SERIALSZ];
	long long id;
	int rc;

	if (km_reason_name(reason) == NULL)
		return km_errf(err, KM_EUSAGE, "unknown reason code %d",
		    reason);
	if (norm_serial(serial, norm, err) == -1)
		return -1;
	if ((rc = cert_row(db, norm, &s, &id, err)) == -1)
		return -1;
	if (rc == 0)
		return km_errf(err, KM_ENOTFOUND, "certificate '%s': not found",
		    norm);
	if (s.status == KM_OCSP_REVOKED && !s.hold)
		return km_errf(err, KM_EDATA, "certificate '%s' is revoked "
		    "already (%s)", norm, km_reason_name(s.reason) ?
		    km_reason_name(s.reason) : "no reason");
	if (reason == KM_RS_REMOVE) {
		if (!s.hold)
			return km_errf(err, KM_EDATA, "certificate '%s' is not "
			    "on hold", norm);
		if (!s.admin_hold)
			return km_errf(err, KM_EDATA, "certificate '%s' is on "
			    "hold with its suspended card: resume the card",
			    norm);
		return set_status(db, id, norm, "good", -1, NULL, err);
	}
	if (reason == KM_RS_HOLD && s.hold)
		return km_errf(err, KM_EDATA, "certificate '%s' is on hold "
		    "already", norm);
	return set_status(db, id, norm, reason == KM_RS_HOLD ? "hold" :
	    "revoked", reason, NULL, err);
}

/* The certificates of a card (see km.h). */
int
km_ca_card_certs(struct km_db *db, long long card, struct km_certstat **v,
    size_t *n, struct km_err *err)
{
	static const char q[] =
	    "SELECT serial FROM cert WHERE card_id = ?1 ORDER BY id";
	sqlite3_stmt *st;
	char serials[64][KM_SERIALSZ];
	struct km_certstat *a;
	size_t k = 0, i;
	long long id;
	int rc;

	*v = NULL;
	*n = 0;
	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, card);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < nitems(serials))
		km_db_col(st, 0, serials[k++], KM_SERIALSZ);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return km_db_err(db, rc, "cert", err);
	if (k == 0)
		return 0;
	if ((a = calloc(k, sizeof(*a))) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	for (i = 0; i < k; i++)
		if (cert_row(db, serials[i], &a[i], &id, err) == -1) {
			free(a);
			return -1;
		}
	*v = a;
	*n = k;
	return 0;
}

/* ---- CRLs */

/* Holds ca.dir/crl.lock while a CRL is numbered and written. */
static int
crl_lock(const struct km_cfg *cfg, struct km_err *err)
{
	char path[PATH_MAX];
	int fd;

	path_in(cfg, "crl.lock", path, sizeof(path));
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return km_errf(err, KM_EDATA, "cannot open '%s': %s", path,
		    strerror(errno));
	while (flock(fd, LOCK_EX) == -1)
		if (errno != EINTR) {
			km_errf(err, KM_ESYS, "cannot lock '%s': %s", path,
			    strerror(errno));
			close(fd);
			return -1;
		}
	return fd;
}

/* The revoked and held certificates of CA caid not yet expired. */
static int
crl_entries(struct km_db *db, long long caid, struct km_crl_entry **v,
    size_t *n, struct km_err *err)
{
	static const char q[] =
	    "SELECT serial, revoked_at, reason FROM cert WHERE issuer = ?1"
	    " AND status IN ('hold', 'revoked') AND not_after > ?2";
	sqlite3_stmt *st;
	struct km_crl_entry *a = NULL, *na;
	size_t k = 0, cap = 0;
	char buf[KM_TIME_BUFSZ];
	int rc;

	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, caid);
	sqlite3_bind_text(st, 2, km_time_iso(km_db_now(db), buf), -1,
	    SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (k == cap) {
			cap = cap ? 2 * cap : 1024;
			if ((na = realloc(a, cap * sizeof(*a))) == NULL) {
				sqlite3_reset(st);
				free(a);
				return km_errf(err, KM_ESYS, "out of memory");
			}
			a = na;
		}
		km_db_col(st, 0, a[k].serial, sizeof(a[k].serial));
		km_db_col(st, 1, buf, sizeof(buf));
		if (km_time_parse(buf, &a[k].at, NULL) == -1)
			a[k].at = 0;
		a[k].reason = sqlite3_column_type(st, 2) == SQLITE_NULL ? -1 :
		    sqlite3_column_int(st, 2);
		k++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(a);
		return km_db_err(db, rc, "cert", err);
	}
	*v = a;
	*n = k;
	return 0;
}

/* Writes a new CRL (see km.h). */
int
km_ca_crl(struct km_ca *ca, int root, int due_only, long long *number,
    size_t *entries, struct km_err *err)
{
	static const char q_due[] = "SELECT crl_due FROM ca WHERE id = ?1";
	static const char q_num[] =
	    "SELECT COALESCE(MAX(number), 0) + 1 FROM crl WHERE issuer = ?1";
	static const char q_add[] =
	    "INSERT INTO crl (issuer, number, this_update, next_update,"
	    " entries, sha256, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	static const char q_done[] = "UPDATE ca SET crl_due = 0 WHERE id = ?1";
	static const char q_redo[] = "UPDATE ca SET crl_due = 1 WHERE id = ?1";
	struct km_db *db = ca->db;
	struct km_crl_entry *v = NULL;
	struct km_key *k = root ? ca->root_key : ca->issuing_key;
	const struct km_cert *c = root ? ca->root : ca->issuing;
	long long caid = root ? ca->root_id : ca->issuing_id, num = 0;
	unsigned char *der = NULL;
	char *pem = NULL, tu[KM_TIME_BUFSZ], nu[KM_TIME_BUFSZ], sha[65];
	char path[PATH_MAX], detail[64];
	size_t n = 0, len = 0;
	sqlite3_stmt *st;
	struct km_err e2;
	time_t now, next;
	int lock, rc, rv = -1;

	*number = 0;
	*entries = 0;
	if (k == NULL)
		return km_errf(err, KM_EUSAGE, "the %s key is not open",
		    root ? "root" : "issuing");
	if ((lock = crl_lock(ca->cfg, err)) == -1)
		return -1;
	if (km_db_begin(db, err) == -1)
		goto unlock;
	now = km_db_now(db);
	next = now + (time_t)(root ? ROOT_CRL_DAYS : ca->cfg->ca.crl_days) *
	    DAY;
	if (due_only) {
		if ((st = km_db_stmt(db, q_due, err)) == NULL)
			goto rollback;
		sqlite3_bind_int64(st, 1, caid);
		rc = sqlite3_step(st);
		due_only = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
		sqlite3_reset(st);
		if (rc != SQLITE_ROW) {
			km_db_err(db, rc, "ca", err);
			goto rollback;
		}
		if (due_only) {		/* nothing awaits */
			km_db_rollback(db);
			rv = 0;
			goto unlock;
		}
	}
	if ((st = km_db_stmt(db, q_num, err)) == NULL)
		goto rollback;
	sqlite3_bind_int64(st, 1, caid);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		num = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW) {
		km_db_err(db, rc, "crl", err);
		goto rollback;
	}
	if (crl_entries(db, caid, &v, &n, err) == -1 ||
	    km_crl_make(k, c, num, now, next, v, n, &der, &len, err) == -1 ||
	    km_pem_encode("X509 CRL", der, len, &pem, err) == -1)
		goto rollback;
	if (km_sha256_hex(der, len, sha) == -1) {
		km_errf(err, KM_ESYS, "cannot hash the CRL");
		goto rollback;
	}
	if ((st = km_db_stmt(db, q_add, err)) == NULL)
		goto rollback;
	sqlite3_bind_int64(st, 1, caid);
	sqlite3_bind_int64(st, 2, num);
	sqlite3_bind_text(st, 3, km_time_iso(now, tu), -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 4, km_time_iso(next, nu), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, (long long)n);
	sqlite3_bind_text(st, 6, sha, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 7, km_db_actor(db), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		km_db_err(db, rc, "crl", err);
		goto rollback;
	}
	if ((st = km_db_stmt(db, q_done, err)) == NULL)
		goto rollback;
	sqlite3_bind_int64(st, 1, caid);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		km_db_err(db, rc, "ca", err);
		goto rollback;
	}
	snprintf(detail, sizeof(detail), "number=%lld entries=%zu", num, n);
	if (km_audit(db, "ca.crl", root ? "root" : "issuing", detail, err) ==
	    -1 || km_db_commit(db, err) == -1)
		goto rollback;
	/* Committed: the files follow, under the same lock.  If they cannot
	 * be written, the CRL is due again, for the next to write. */
	path_in(ca->cfg, root ? "root.crl" : "issuing.crl", path, sizeof(path));
	if (km_file_write(path, der, len, 0644, 0, err) == -1)
		goto redo;
	path_in(ca->cfg, root ? "root.crl.pem" : "issuing.crl.pem", path,
	    sizeof(path));
	if (km_file_write(path, pem, strlen(pem), 0644, 0, err) == -1)
		goto redo;
	*number = num;
	*entries = n;
	rv = 1;
	goto unlock;
redo:
	if (km_db_begin(db, &e2) == 0) {
		if ((st = km_db_stmt(db, q_redo, &e2)) != NULL) {
			sqlite3_bind_int64(st, 1, caid);
			rc = sqlite3_step(st);
			sqlite3_reset(st);
			if (rc == SQLITE_DONE && km_db_commit(db, &e2) == 0)
				goto unlock;
		}
		km_db_rollback(db);
	}
	goto unlock;
rollback:
	km_db_rollback(db);
unlock:
	close(lock);
	free(v);
	free(der);
	free(pem);
	return rv;
}

/* After a commit: the CRL a revocation awaits (see km.h). */
int
km_ca_publish_due(struct km_db *db, const struct km_cfg *cfg,
    long long *number, struct km_err *err)
{
	static const char q[] =
	    "SELECT crl_due FROM ca WHERE name = 'issuing'";
	struct km_ca *ca;
	sqlite3_stmt *st;
	size_t n;
	int rc, due, rv;

	*number = 0;
	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	rc = sqlite3_step(st);
	due = rc == SQLITE_ROW && sqlite3_column_int(st, 0) != 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return km_db_err(db, rc, "ca", err);
	if (!due)
		return 0;
	if (km_ca_open(&ca, db, cfg, KM_CA_ISSUING_KEY, err) == -1)
		return -1;
	rv = km_ca_crl(ca, 0, 1, number, &n, err);
	km_ca_free(ca);
	return rv;
}

/* ---- OCSP */

/* Answers an OCSP request from the store (see km.h). */
int
km_ca_ocsp(struct km_ca *ca, const unsigned char *req, size_t n, time_t now,
    unsigned char **resp, size_t *len, struct km_err *err)
{
	struct km_ocsp_req *r;
	struct km_ocsp_status *st = NULL;
	struct km_certstat cs;
	struct km_err e2;
	char serial[KM_SERIALSZ];
	size_t count, i, nours = 0;
	long long id;
	int ours, rc, rv = -1;

	*resp = NULL;
	*len = 0;
	if (ca->ocsp_key == NULL || ca->ocsp == NULL)
		return km_errf(err, KM_EUSAGE, "the OCSP key is not open");
	if (km_ocsp_req_parse(&r, req, n, err) == -1) {
		if (err == NULL || err->eclass != KM_EDATA)
			return -1;
		return km_ocsp_resp_error(KM_OCSP_MALFORMED, resp, len, &e2) ==
		    -1 ? -1 : 1;
	}
	count = km_ocsp_req_count(r);
	if (count == 0 || (st = calloc(count, sizeof(*st))) == NULL) {
		km_ocsp_req_free(r);
		if (count != 0)
			return km_errf(err, KM_ESYS, "out of memory");
		km_errf(err, KM_EDATA, "malformed OCSP request: it asks "
		    "about no certificate");
		return km_ocsp_resp_error(KM_OCSP_MALFORMED, resp, len, &e2) ==
		    -1 ? -1 : 1;
	}
	for (i = 0; i < count; i++) {
		st[i].status = KM_OCSP_UNKNOWN;
		st[i].reason = -1;
		if (km_ocsp_req_id(r, i, ca->issuing, serial, &ours, err) == -1)
			goto out;
		if (!ours)
			continue;
		nours++;
		if ((rc = cert_row(ca->db, serial, &cs, &id, err)) == -1)
			goto out;
		if (rc == 0 || cs.issuer != ca->issuing_id)
			continue;
		st[i].status = cs.status;
		if (cs.status == KM_OCSP_REVOKED) {
			st[i].revoked_at = cs.revoked_at;
			st[i].reason = cs.reason;
		}
	}
	if (nours == 0) {
		km_errf(err, KM_ENOTFOUND, "OCSP request about certificates "
		    "of another CA");
		rv = km_ocsp_resp_error(KM_OCSP_UNAUTHORIZED, resp, len,
		    &e2) == -1 ? -1 : 1;
		goto out;
	}
	rv = km_ocsp_resp_make(r, st, ca->ocsp_key, ca->ocsp, now, 0, resp,
	    len, err);
out:
	free(st);
	km_ocsp_req_free(r);
	return rv;
}

/* ---- signatures */

/* Verifies a signature against the CA and the store (see km.h). */
int
km_ca_verify(struct km_ca *ca, FILE *sig, FILE *data, enum km_cms_form form,
    struct km_signer *s, struct km_err *err)
{
	struct km_cert *signer = NULL;
	struct km_cert *trusted[2], *untrusted[1];
	long long id;
	int rc;

	memset(s, 0, sizeof(*s));
	/*
	 * OpenSSL 3.0's CMS_verify() builds the signer's chain from the
	 * certificates in the signature only, not from its untrusted list:
	 * the issuing CA goes into the store as well (no partial chains, so
	 * the chain must still end at the root), for signatures that carry
	 * the signer's certificate alone.
	 */
	trusted[0] = ca->root;
	trusted[1] = ca->issuing;
	untrusted[0] = ca->issuing;
	rc = km_cms_verify(sig, data, form, trusted, 2, untrusted, 1, &signer,
	    err);
	if (rc != 0)
		return rc;
	rc = km_cert_info(signer, &s->cert, err);
	km_cert_free(signer);
	if (rc == -1)
		return -1;
	if ((rc = cert_row(ca->db, s->cert.serial, &s->st, &id, err)) == -1)
		return -1;
	if (rc == 0) {
		km_errf(err, KM_ENOTFOUND, "signer's certificate '%s' is not "
		    "in the store", s->cert.serial);
		return 1;
	}
	s->known = 1;
	if (strcmp(s->st.profile, "card-sign") != 0) {
		km_errf(err, KM_ENOTFOUND, "signer's certificate '%s' has "
		    "profile '%s': only card-sign certificates sign documents",
		    s->cert.serial, s->st.profile);
		return 1;
	}
	if (s->st.card_id != 0 &&
	    (km_card_get(ca->db, s->st.card_id, &s->card, err) == -1 ||
	    km_holder_get(ca->db, s->card.holder_id, &s->holder, err) == -1))
		return -1;
	if (s->st.status == KM_OCSP_REVOKED) {
		char at[KM_TIME_BUFSZ];

		km_time_iso(s->st.revoked_at, at);
		if (s->st.hold)
			km_errf(err, KM_ENOTFOUND, "signer's certificate '%s' "
			    "is on hold since %s", s->cert.serial, at);
		else
			km_errf(err, KM_ENOTFOUND, "signer's certificate '%s' "
			    "is revoked (%s) since %s", s->cert.serial,
			    km_reason_name(s->st.reason) ?
			    km_reason_name(s->st.reason) : "no reason", at);
		return 1;
	}
	return 0;
}

/* Reads all of fp (at most DOC_MAX bytes) into a malloc'd buffer. */
static int
slurp(FILE *fp, unsigned char **buf, size_t *len, struct km_err *err)
{
	unsigned char *b = NULL, *nb;
	size_t n = 0, cap = 0, r;

	for (;;) {
		if (n == cap) {
			if (cap >= (size_t)DOC_MAX) {
				free(b);
				return km_errf(err, KM_EDATA, "document longer "
				    "than %ld MiB", DOC_MAX / 1024 / 1024);
			}
			cap = cap ? 2 * cap : 65536;
			if ((nb = realloc(b, cap + 1)) == NULL) {
				free(b);
				return km_errf(err, KM_ESYS, "out of memory");
			}
			b = nb;
		}
		r = fread(b + n, 1, cap - n, fp);
		n += r;
		if (r == 0)
			break;
	}
	if (ferror(fp)) {
		free(b);
		return km_errf(err, KM_EDATA, "cannot read the document: %s",
		    strerror(errno));
	}
	*buf = b;
	*len = n;
	return 0;
}

/* A signer's secrets: the passphrase from $KM_SIGN_PASSPHRASE, else the
 * CA's (ca.passphrase_file, $KM_CA_PASSPHRASE); the PIN, for a key in an
 * HSM only, from $KM_PKCS11_PIN or ca.pkcs11_pin_file. */
static int
sign_secrets(struct km_ca *ca, const char *keyref, struct km_err *err)
{
	const struct km_cfg *cfg = ca->cfg;
	const char *v = getenv("KM_SIGN_PASSPHRASE");

	if (v != NULL && *v != '\0') {
		if ((ca->pass = strdup(v)) == NULL)
			return km_errf(err, KM_ESYS, "out of memory");
	} else if (!is_uri(keyref) && read_secret(cfg->ca.passphrase_file,
	    "KM_CA_PASSPHRASE", "passphrase", &ca->pass, err) == -1)
		return -1;
	if (is_uri(keyref) && read_secret(getenv("KM_PKCS11_PIN") != NULL ?
	    NULL : cfg->ca.pkcs11_pin_file, "KM_PKCS11_PIN", "PIN", &ca->pin,
	    err) == -1)
		return -1;
	ca->opt.passphrase = ca->pass;
	ca->opt.pin = ca->pin;
	ca->opt.module = cfg->ca.pkcs11_module;
	return 0;
}

/* Signs a document (see km.h). */
int
km_doc_sign(struct km_db *db, const struct km_cfg *cfg, const char *keyref,
    const char *certpath, FILE *in, FILE *out, enum km_cms_form form,
    char serial[KM_SERIALSZ], char sha256[65], struct km_err *err)
{
	struct km_ca *ca;
	struct km_cert *cert = NULL, *chain[1] = { NULL };
	struct km_key *key = NULL, *pub = NULL;
	struct km_certinfo ci;
	struct km_certstat cs;
	unsigned char *doc = NULL;
	size_t len = 0, nchain = 0;
	char path[PATH_MAX], detail[160];
	FILE *mem = NULL;
	long long id;
	int rc, rv = -1;

	serial[0] = sha256[0] = '\0';
	if ((ca = ca_new(db, cfg, err)) == NULL)
		return -1;
	if (km_cert_load(&cert, certpath, err) == -1 ||
	    km_cert_info(cert, &ci, err) == -1 ||
	    sign_secrets(ca, keyref, err) == -1 ||
	    open_key(ca, "signing key", keyref, &key, err) == -1 ||
	    km_cert_pubkey(cert, &pub, err) == -1)
		goto out;
	if (!km_key_same(key, pub)) {
		km_errf(err, KM_EDATA, "key '%s' is not the key of certificate "
		    "'%s'", is_uri(keyref) ? "pkcs11:" : keyref, certpath);
		goto out;
	}
	if ((rc = cert_row(db, ci.serial, &cs, &id, err)) == -1)
		goto out;
	if (rc == 0) {
		km_errf(err, KM_EDATA, "certificate '%s' is not one the city "
		    "CA issued: it signs nothing", certpath);
		goto out;
	}
	if (strcmp(cs.profile, "card-sign") != 0) {
		km_errf(err, KM_EDATA, "certificate '%s' has profile '%s': "
		    "only card-sign certificates sign documents", certpath,
		    cs.profile);
		goto out;
	}
	if (cs.status != KM_OCSP_GOOD) {
		km_errf(err, KM_EDATA, "certificate '%s' is %s: it signs "
		    "nothing", ci.serial, cs.hold ? "on hold" : "revoked");
		goto out;
	}
	/* The issuing CA's certificate goes with the signature. */
	path_in(cfg, "issuing.crt", path, sizeof(path));
	if (access(path, F_OK) == 0) {
		if (km_cert_load(&chain[0], path, err) == -1)
			goto out;
		nchain = 1;
	}
	if (slurp(in, &doc, &len, err) == -1)
		goto out;
	if (km_sha256_hex(doc, len, sha256) == -1) {
		km_errf(err, KM_ESYS, "cannot hash the document");
		goto out;
	}
	if ((mem = fmemopen(len ? doc : (unsigned char *)"", len ? len : 1,
	    "r")) == NULL) {
		km_errf(err, KM_ESYS, "fmemopen: %s", strerror(errno));
		goto out;
	}
	if (len == 0)
		(void)fgetc(mem);	/* an empty document: at its end */
	if (km_cms_sign(key, cert, chain, nchain, mem, out, form, err) == -1)
		goto out;
	snprintf(detail, sizeof(detail), "sha256=%s form=%s", sha256,
	    form == KM_CMS_SMIME ? "smime" : "cms");
	if (km_audit(db, "doc.sign", ci.serial, detail, err) == -1)
		goto out;
	km_strlcpy(serial, ci.serial, KM_SERIALSZ);
	rv = 0;
out:
	if (mem != NULL)
		fclose(mem);
	free(doc);
	km_key_free(key);
	km_key_free(pub);
	km_cert_free(cert);
	km_cert_free(chain[0]);
	km_ca_free(ca);
	return rv;
}
