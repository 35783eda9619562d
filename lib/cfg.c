/*
 * cfg.c -- km.yaml(5): finding the configuration file, reading it with
 * libyaml into a plain struct km_cfg, and the names of roles and services.
 * The module owns the schema of the file: the tables below list every key
 * with its type, range and place in the struct, and a key that is not in
 * them is an error naming its line and column, so that a misspelt key is
 * never silently ignored.  The defaults live here as well and must agree
 * with km.yaml(5).  Relative paths in the file are taken against the
 * file's own directory, so that a configuration and its store travel
 * together; a file that names key material is refused when others may
 * write to it, as doas(1) refuses its configuration (DESIGN §8).  The
 * programs read the struct and never see libyaml.
 */
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "km-internal.h"

#define CFG_DEFAULT	"/etc/km/km.yaml"
#define CFG_ENV		"KM_CONFIG"

#define DEF_BUSY_TIMEOUT	5000
#define DEF_IIN			"900100"
#define DEF_VALIDITY_YEARS	5
#define DEF_TEMPORARY_DAYS	30
#define DEF_RESIDENT	(KM_SVC_ID | KM_SVC_ETICKET | KM_SVC_PAYMENTS | \
			    KM_SVC_BENEFITS)
#define DEF_ENTREPRENEUR (KM_SVC_ID | KM_SVC_ESIGN | KM_SVC_PAYMENTS)
#define DEF_MAX_ADD		1000
#define DEF_CA_NAME		"km city card scheme"
#define DEF_CA_COUNTRY		"PL"
#define DEF_ROOT_DAYS		7305	/* 20 years */
#define DEF_ISSUING_DAYS	3652	/* 10 years */
#define DEF_CRL_DAYS		7
#define DEF_CARD_KEYS	((1U << KM_KEY_EC256) | (1U << KM_KEY_EC384) | \
			    (1U << KM_KEY_RSA3072) | (1U << KM_KEY_RSA4096))

/* The profiles' defaults, indexed by enum km_profile_id. */
static const struct km_profile def_profiles[KM_NPROFILES] = {
	{ 1826, DEF_CARD_KEYS, KM_KU_DIGITAL_SIGNATURE, KM_EKU_CLIENT_AUTH },
	{ 1826, DEF_CARD_KEYS, KM_KU_DIGITAL_SIGNATURE |
	    KM_KU_NON_REPUDIATION, KM_EKU_EMAIL_PROTECTION },
	{ 365, DEF_CARD_KEYS, KM_KU_DIGITAL_SIGNATURE, KM_EKU_OCSP_SIGNING },
	{ 1826, DEF_CARD_KEYS, KM_KU_DIGITAL_SIGNATURE, 0 }
};

/* Indexed by bit number, as enum km_role and enum km_service are. */
static const char *const role_names[KM_NROLES] = {
	"clerk", "helpdesk", "admin", "cron", "device", "auditor"
};
static const char *const service_names[KM_NSERVICES] = {
	"identification", "eticket", "payments", "esignature", "benefits"
};

enum ktype {
	K_MAP,		/* a section; sub lists its keys */
	K_PATH,		/* a non-empty string; relative to the file's directory */
	K_STR,		/* a string of min to max bytes, taken as it is */
	K_INT,		/* an integer from min to max */
	K_IIN,		/* exactly 6 digits, into char[7] */
	K_SVCS,		/* service names, a list or one string, into unsigned */
	K_LIST,		/* strings, a list or one string, into char ** */
	K_KEYREF,	/* a "pkcs11:" URI as it is, or else a K_PATH */
	K_KEYTYPE,	/* one key type name, into int */
	K_KEYTYPES,	/* key type names, into unsigned 1 << KM_KEY_* */
	K_KU,		/* key usage names, into unsigned KM_KU_* */
	K_EKU,		/* extended key usage names, into unsigned */
	K_CC		/* two capital letters, into char[3] */
};

struct key {
	const char	*name;
	enum ktype	 type;
	size_t		 off;		/* of the value in struct km_cfg */
	const struct key *sub;		/* K_MAP */
	long		 min, max;	/* K_INT; K_STR: its length */
};

#define OFF(m)		offsetof(struct km_cfg, m)
#define SECTION(n, t)	{ n, K_MAP, 0, t, 0, 0 }
#define VALUE(n, ty, m)	{ n, ty, OFF(m), NULL, 0, 0 }
#define INT(n, m, lo, hi) { n, K_INT, OFF(m), NULL, lo, hi }
#define STR(n, m, len)	{ n, K_STR, OFF(m), NULL, 1, len }
#define END		{ NULL, K_MAP, 0, NULL, 0, 0 }

static const struct key store_keys[] = {
	VALUE("path", K_PATH, store.path),
	INT("busy_timeout", store.busy_timeout, 0, 600000),
	END
};

static const struct key roles_keys[] = {
	VALUE("clerk", K_LIST, roles[0]),
	VALUE("helpdesk", K_LIST, roles[1]),
	VALUE("admin", K_LIST, roles[2]),
	VALUE("cron", K_LIST, roles[3]),
	VALUE("device", K_LIST, roles[4]),
	VALUE("auditor", K_LIST, roles[5]),
	END
};

static const struct key resident_keys[] = {
	VALUE("services", K_SVCS, cards.resident),
	END
};

static const struct key entrepreneur_keys[] = {
	VALUE("services", K_SVCS, cards.entrepreneur),
	END
};

static const struct key cards_keys[] = {
	VALUE("iin", K_IIN, cards.iin),
	INT("validity_years", cards.validity_years, 1, 20),
	INT("temporary_days", cards.temporary_days, 1, 365),
	SECTION("resident", resident_keys),
	SECTION("entrepreneur", entrepreneur_keys),
	END
};

static const struct key keys_keys[] = {
	VALUE("hotlist_signer", K_PATH, keys.hotlist_signer),
	VALUE("hotlist_verify", K_PATH, keys.hotlist_verify),
	END
};

static const struct key blacklist_keys[] = {
	INT("max_add", blacklist.max_add, 0, INT_MAX),
	END
};

static const struct key reader_keys[] = {
	STR("name", reader.name, KM_READERSZ - 1),
	END
};

#define PROFILE_KEYS(i) \
	INT("days", ca.profile[i].days, 1, 36500), \
	VALUE("keys", K_KEYTYPES, ca.profile[i].keys), \
	VALUE("key_usage", K_KU, ca.profile[i].ku), \
	VALUE("extended_key_usage", K_EKU, ca.profile[i].eku), \
	END

static const struct key prof_auth_keys[] = { PROFILE_KEYS(0) };
static const struct key prof_sign_keys[] = { PROFILE_KEYS(1) };
static const struct key prof_ocsp_keys[] = { PROFILE_KEYS(2) };
static const struct key prof_hotlist_keys[] = { PROFILE_KEYS(3) };

/* Indexed by enum km_profile_id. */
static const char *const profile_names[KM_NPROFILES] = {
	"card-auth", "card-sign", "ocsp", "hotlist"
};

static const struct key profiles_keys[] = {
	SECTION("card-auth", prof_auth_keys),
	SECTION("card-sign", prof_sign_keys),
	SECTION("ocsp", prof_ocsp_keys),
	SECTION("hotlist", prof_hotlist_keys),
	END
};

static const struct key ca_keys[] = {
	VALUE("dir", K_PATH, ca.dir),
	STR("name", ca.name, 48),
	VALUE("country", K_CC, ca.country),
	VALUE("key_type", K_KEYTYPE, ca.key_type),
	VALUE("root_key", K_KEYREF, ca.root_key),
	VALUE("issuing_key", K_KEYREF, ca.issuing_key),
	VALUE("ocsp_key", K_KEYREF, ca.ocsp_key),
	VALUE("passphrase_file", K_PATH, ca.passphrase_file),
	VALUE("pkcs11_module", K_PATH, ca.pkcs11_module),
	VALUE("pkcs11_pin_file", K_PATH, ca.pkcs11_pin_file),
	INT("root_days", ca.root_days, 1, 36500),
	INT("issuing_days", ca.issuing_days, 1, 36500),
	INT("crl_days", ca.crl_days, 1, 365),
	STR("crl_url", ca.crl_url, 1024),
	STR("ocsp_url", ca.ocsp_url, 1024),
	SECTION("profiles", profiles_keys),
	END
};

static const struct key top_keys[] = {
	SECTION("store", store_keys),
	SECTION("roles", roles_keys),
	SECTION("cards", cards_keys),
	SECTION("keys", keys_keys),
	SECTION("blacklist", blacklist_keys),
	SECTION("reader", reader_keys),
	SECTION("ca", ca_keys),
	END
};

struct loader {
	yaml_document_t	*doc;
	const char	*file;		/* as named, for messages */
	size_t		 dirlen;	/* of its directory with the '/'; 0: none */
	struct km_cfg	*cfg;
	struct km_err	*err;
};

#define MSGSZ sizeof(((struct km_err *)0)->msg)

static int	errat(struct loader *, const yaml_node_t *, const char *, ...)
		    KM_PRINTF(3, 4);

/*
 * Copies at most n bytes of s into buf for a message: control characters
 * become '?', and a long name is cut with "...".
 */
static const char *
safe(const char *s, size_t n, char *buf, size_t sz)
{
	size_t i, o = 0;

	for (i = 0; i < n && s[i] != '\0' && o + 4 < sz; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	if (i < n && s[i] != '\0') {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

/* A KM_EDATA error "file:line:col: msg" at node n; returns -1. */
static int
errat(struct loader *l, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[MSGSZ];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return km_errf(l->err, KM_EDATA, "%s:%zu:%zu: %s", l->file,
	    n->start_mark.line + 1, n->start_mark.column + 1, msg);
}

static int
nomem(struct loader *l)
{
	return km_errf(l->err, KM_ESYS, "%s: out of memory", l->file);
}

/* Translates libyaml's failure in p into err; returns -1. */
static int
yamlerr(struct loader *l, const yaml_parser_t *p)
{
	const char *problem = p->problem != NULL ? p->problem : "syntax error";

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		return nomem(l);
	case YAML_READER_ERROR:
		if (p->problem_value != -1)
			return km_errf(l->err, KM_EDATA,
			    "%s: %s: #%X at byte %zu", l->file, problem,
			    (unsigned)p->problem_value, p->problem_offset);
		return km_errf(l->err, KM_EDATA, "%s: %s at byte %zu",
		    l->file, problem, p->problem_offset);
	case YAML_SCANNER_ERROR:
	case YAML_PARSER_ERROR:
	case YAML_COMPOSER_ERROR:
		if (p->context != NULL && p->context[0] != '\0')
			return km_errf(l->err, KM_EDATA,
			    "%s:%zu:%zu: %s (%s at %zu:%zu)", l->file,
			    p->problem_mark.line + 1,
			    p->problem_mark.column + 1, problem, p->context,
			    p->context_mark.line + 1,
			    p->context_mark.column + 1);
		return km_errf(l->err, KM_EDATA, "%s:%zu:%zu: %s", l->file,
		    p->problem_mark.line + 1, p->problem_mark.column + 1,
		    problem);
	default:
		break;
	}
	return km_errf(l->err, KM_EDATA, "%s: cannot parse config", l->file);
}

/* 1 if n is YAML's null: a plain "", "~" or "null". */
static int
isnull(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	v = (const char *)n->data.scalar.value;
	return v[0] == '\0' || strcmp(v, "~") == 0 || strcmp(v, "null") == 0 ||
	    strcmp(v, "Null") == 0 || strcmp(v, "NULL") == 0;
}

/* The text of scalar n, or NULL after an error naming key what. */
static const char *
text(struct loader *l, const yaml_node_t *n, const char *what)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE) {
		errat(l, n, "'%s' must be a string", what);
		return NULL;
	}
	v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length) {
		errat(l, n, "'%s' must not contain a NUL byte", what);
		return NULL;
	}
	return v;
}

/* v taken against the directory of the config file, malloc'd. */
static char *
resolve(const struct loader *l, const char *v)
{
	size_t n;
	char *s;

	if (v[0] == '/' || l->dirlen == 0)
		return strdup(v);
	n = strlen(v);
	if ((s = malloc(l->dirlen + n + 1)) == NULL)
		return NULL;
	memcpy(s, l->file, l->dirlen);
	memcpy(s + l->dirlen, v, n + 1);
	return s;
}

static int
load_int(struct loader *l, const yaml_node_t *n, const struct key *k,
    const char *what, int *out)
{
	const char *v, *d;
	char *end;
	long x;

	if (n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		goto bad;
	v = (const char *)n->data.scalar.value;
	d = (v[0] == '-' || v[0] == '+') ? v + 1 : v;
	if (*d < '0' || *d > '9')
		goto bad;
	errno = 0;
	x = strtol(v, &end, 10);
	if (*end != '\0' || errno == ERANGE || x < k->min || x > k->max)
		goto bad;
	*out = (int)x;
	return 0;
bad:
	if (k->max == INT_MAX)
		return errat(l, n, "'%s' must be an integer of at least %ld",
		    what, k->min);
	return errat(l, n, "'%s' must be an integer from %ld to %ld", what,
	    k->min, k->max);
}

/* One scalar of a service list: ORs its services into *bits. */
static int
load_svc1(struct loader *l, const yaml_node_t *n, const char *what,
    unsigned *bits)
{
	const char *v;
	unsigned b = 0;

	if (n->type != YAML_SCALAR_NODE || isnull(n))
		return errat(l, n, "'%s' must be a list of service names",
		    what);
	if ((v = text(l, n, what)) == NULL)
		return -1;
	if (km_services_parse(v, &b, l->err) == -1)
		return km_errpre(l->err, "%s:%zu:%zu: '%s'", l->file,
		    n->start_mark.line + 1, n->start_mark.column + 1, what);
	*bits |= b;
	return 0;
}

static int
load_svcs(struct loader *l, const yaml_node_t *n, const char *what,
    unsigned *out)
{
	yaml_node_item_t *it;
	unsigned bits = 0;

	if (n->type == YAML_SEQUENCE_NODE) {
		if (n->data.sequence.items.start == n->data.sequence.items.top)
			return errat(l, n, "'%s' must name at least one "
			    "service", what);
		for (it = n->data.sequence.items.start;
		    it < n->data.sequence.items.top; it++)
			if (load_svc1(l, yaml_document_get_node(l->doc, *it),
			    what, &bits) == -1)
				return -1;
	} else if (load_svc1(l, n, what, &bits) == -1)
		return -1;
	*out = bits;
	return 0;
}

/* One user name, or "@group". */
static int
load_name(struct loader *l, const yaml_node_t *n, const char *what,
    char **out)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || isnull(n))
		return errat(l, n, "'%s' must be a list of user names and "
		    "@groups", what);
	if ((v = text(l, n, what)) == NULL)
		return -1;
	if (v[0] == '\0' || strcmp(v, "@") == 0)
		return errat(l, n, "'%s' must be a list of user names and "
		    "@groups", what);
	if ((*out = strdup(v)) == NULL)
		return nomem(l);
	return 0;
}

static int
load_list(struct loader *l, const yaml_node_t *n, const char *what,
    char ***out)
{
	yaml_node_item_t *it;
	size_t nitem, i;
	char **v;

	if (n->type == YAML_MAPPING_NODE)
		return errat(l, n, "'%s' must be a list of user names and "
		    "@groups", what);
	if (n->type == YAML_SEQUENCE_NODE)
		nitem = (size_t)(n->data.sequence.items.top -
		    n->data.sequence.items.start);
	else
		nitem = 1;
	/* Stored at once, so that km_cfg_free() frees a partial list. */
	if ((v = calloc(nitem + 1, sizeof(*v))) == NULL)
		return nomem(l);
	*out = v;
	if (n->type != YAML_SEQUENCE_NODE)
		return load_name(l, n, what, &v[0]);
	for (i = 0, it = n->data.sequence.items.start;
	    it < n->data.sequence.items.top; i++, it++)
		if (load_name(l, yaml_document_get_node(l->doc, *it), what,
		    &v[i]) == -1)
			return -1;
	return 0;
}

/* One name of a K_KEYTYPES, K_KU or K_EKU list: its bit, or 0. */
static unsigned
bit_of(enum ktype t, const char *v)
{
	int kt;

	switch (t) {
	case K_KEYTYPES:
		kt = km_keytype_parse(v);
		return kt == KM_KEY_NONE ? 0 : 1U << kt;
	case K_KU:
		return km_ku_parse(v);
	default:
		return km_eku_parse(v);
	}
}

/* A list of names (or one) into bits; an unknown name is an error. */
static int
load_bits(struct loader *l, const yaml_node_t *n, enum ktype t,
    const char *what, unsigned *out)
{
	yaml_node_item_t *it;
	const yaml_node_t *in;
	const char *v;
	unsigned bits = 0, b;

	if (n->type == YAML_MAPPING_NODE)
		return errat(l, n, "'%s' must be a list of names", what);
	it = n->type == YAML_SEQUENCE_NODE ? n->data.sequence.items.start :
	    NULL;
	for (;;) {
		if (it == NULL)
			in = n;
		else if (it < n->data.sequence.items.top)
			in = yaml_document_get_node(l->doc, *it);
		else
			break;
		if ((v = text(l, in, what)) == NULL)
			return -1;
		if ((b = bit_of(t, v)) == 0)
			return errat(l, in, "'%s': unknown name '%s'", what, v);
		bits |= b;
		if (it == NULL)
			break;
		it++;
	}
	*out = bits;
	return 0;
}

static int	load_map(struct loader *, const yaml_node_t *,
		    const struct key *, const char *);

/* Stores the value n of key k, whose full name is what. */
static int
load_value(struct loader *l, const yaml_node_t *n, const struct key *k,
    const char *what)
{
	void *field = (char *)l->cfg + k->off;
	const char *v;

	/* A key left empty keeps its default, as if it were absent. */
	if (isnull(n))
		return 0;
	switch (k->type) {
	case K_MAP:
		if (n->type != YAML_MAPPING_NODE)
			return errat(l, n, "'%s' must be a mapping", what);
		if (k->sub == ca_keys)
			l->cfg->ca.set = 1;
		return load_map(l, n, k->sub, what);
	case K_PATH:
		if ((v = text(l, n, what)) == NULL)
			return -1;
		if (v[0] == '\0')
			return errat(l, n, "'%s' must not be empty", what);
		if ((*(char **)field = resolve(l, v)) == NULL)
			return nomem(l);
		return 0;
	case K_STR:
		if ((v = text(l, n, what)) == NULL)
			return -1;
		if (v[0] == '\0')
			return errat(l, n, "'%s' must not be empty", what);
		if (strlen(v) > (size_t)k->max)
			return errat(l, n, "'%s' must be at most %ld bytes long",
			    what, k->max);
		if ((*(char **)field = strdup(v)) == NULL)
			return nomem(l);
		return 0;
	case K_INT:
		return load_int(l, n, k, what, field);
	case K_IIN:
		if ((v = text(l, n, what)) == NULL)
			return -1;
		if (!km_isdigits(v, 6))
			return errat(l, n, "'%s' must be 6 digits", what);
		km_strlcpy(field, v, 7);
		return 0;
	case K_SVCS:
		return load_svcs(l, n, what, field);
	case K_LIST:
		return load_list(l, n, what, field);
	case K_KEYREF:
		if ((v = text(l, n, what)) == NULL)
			return -1;
		if (v[0] == '\0')
			return errat(l, n, "'%s' must not be empty", what);
		if ((*(char **)field = strncmp(v, "pkcs11:", 7) == 0 ?
		    strdup(v) : resolve(l, v)) == NULL)
			return nomem(l);
		return 0;
	case K_KEYTYPE:
		if ((v = text(l, n, what)) == NULL)
			return -1;
		if ((*(int *)field = km_keytype_parse(v)) == KM_KEY_NONE)
			return errat(l, n, "'%s': unknown key type '%s' "
			    "(ec256, ec384, rsa2048, rsa3072, rsa4096)", what,
			    v);
		return 0;
	case K_KEYTYPES:
	case K_KU:
	case K_EKU:
		return load_bits(l, n, k->type, what, field);
	case K_CC:
		if ((v = text(l, n, what)) == NULL)
			return -1;
		if (strlen(v) != 2 || v[0] < 'A' || v[0] > 'Z' ||
		    v[1] < 'A' || v[1] > 'Z')
			return errat(l, n, "'%s' must be two capital letters",
			    what);
		km_strlcpy(field, v, 3);
		return 0;
	}
	return errat(l, n, "'%s' has no type", what);
}

/* Loads mapping n, whose keys are in keys, under the name prefix. */
static int
load_map(struct loader *l, const yaml_node_t *n, const struct key *keys,
    const char *prefix)
{
	yaml_node_pair_t *p;
	unsigned long seen = 0;
	char name[128], buf[80];
	size_t i;

	for (p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
	    p++) {
		yaml_node_t *kn = yaml_document_get_node(l->doc, p->key);
		yaml_node_t *vn = yaml_document_get_node(l->doc, p->value);
		const char *kname;

		if (kn->type != YAML_SCALAR_NODE)
			return errat(l, kn, "a key must be a string");
		kname = (const char *)kn->data.scalar.value;
		for (i = 0; keys[i].name != NULL; i++)
			if (strcmp(keys[i].name, kname) == 0)
				break;
		snprintf(name, sizeof(name), "%s%s%s", prefix,
		    prefix[0] != '\0' ? "." : "",
		    safe(kname, kn->data.scalar.length, buf, sizeof(buf)));
		if (keys[i].name == NULL)
			return errat(l, kn, "unknown key '%s'", name);
		if (seen & (1UL << i))
			return errat(l, kn, "duplicate key '%s'", name);
		seen |= 1UL << i;
		if (load_value(l, vn, &keys[i], name) == -1)
			return -1;
	}
	return 0;
}

/*
 * Parses the stream of parser into l->cfg: one document whose top level
 * is a mapping.
 */
static int
load_stream(struct loader *l, yaml_parser_t *parser)
{
	yaml_document_t doc, extra;
	yaml_node_t *root, *more;
	int rv;

	if (!yaml_parser_load(parser, &doc))
		return yamlerr(l, parser);
	/* The rest of the stream must be empty, and free of errors. */
	if (!yaml_parser_load(parser, &extra)) {
		yaml_document_delete(&doc);
		return yamlerr(l, parser);
	}
	l->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	more = yaml_document_get_root_node(&extra);
	if (root == NULL)
		rv = km_errf(l->err, KM_EDATA, "%s: config is empty", l->file);
	else if (more != NULL)
		rv = errat(l, more, "more than one document");
	else if (root->type != YAML_MAPPING_NODE)
		rv = errat(l, root, "top level must be a mapping");
	else
		rv = load_map(l, root, top_keys, "");
	yaml_document_delete(&extra);
	yaml_document_delete(&doc);
	l->doc = NULL;
	return rv;
}

/* dir/name, malloc'd. */
static char *
join(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *s;

	if ((s = malloc(n)) != NULL)
		snprintf(s, n, "%s/%s", dir, name);
	return s;
}

/* The ca section's defaults that depend on other keys. */
static int
ca_defaults(struct loader *l)
{
	struct km_cfg *c = l->cfg;

	if (c->ca.dir == NULL && (c->ca.dir = resolve(l, "ca")) == NULL)
		return nomem(l);
	if (c->ca.name == NULL && (c->ca.name = strdup(DEF_CA_NAME)) == NULL)
		return nomem(l);
	if ((c->ca.root_key == NULL &&
	    (c->ca.root_key = join(c->ca.dir, "root.key")) == NULL) ||
	    (c->ca.issuing_key == NULL &&
	    (c->ca.issuing_key = join(c->ca.dir, "issuing.key")) == NULL) ||
	    (c->ca.ocsp_key == NULL &&
	    (c->ca.ocsp_key = join(c->ca.dir, "ocsp.key")) == NULL))
		return nomem(l);
	return 0;
}

const char *
km_profile_name(int p)
{
	if (p < 0 || p >= KM_NPROFILES)
		return "unknown";
	return profile_names[p];
}

int
km_profile_parse(const char *s)
{
	int i;

	for (i = 0; i < KM_NPROFILES; i++)
		if (strcmp(s, profile_names[i]) == 0)
			return i;
	return -1;
}

/*
 * Reads the configuration into *cfgp, to be freed with km_cfg_free().
 * path names the file; when it is NULL, $KM_CONFIG names it if set and not
 * empty, else /etc/km/km.yaml.  Keys absent from the file take the
 * defaults of km.yaml(5); store.path is required.  Relative paths in the
 * file are taken against the file's directory (a file named without a
 * '/' leaves them relative to the working directory).  Returns 0, or -1
 * with *cfgp NULL and err set: an unreadable file, a YAML error, an
 * unknown or duplicate key, a value of the wrong type or out of range, or
 * a file that names key material (keys.hotlist_signer) and that group or
 * others may write are KM_EDATA, with "file:line:col: " before the
 * message where the fault has a place; running out of memory is KM_ESYS.
 */
int
km_cfg_load(struct km_cfg **cfgp, const char *path, struct km_err *err)
{
	struct km_cfg *cfg = NULL;
	struct loader l;
	yaml_parser_t parser;
	struct stat st;
	const char *env, *slash;
	FILE *fp;
	int rv = -1, e;

	*cfgp = NULL;
	if (path == NULL) {
		env = getenv(CFG_ENV);
		path = (env != NULL && env[0] != '\0') ? env : CFG_DEFAULT;
	}
	memset(&l, 0, sizeof(l));
	l.file = path;
	l.err = err;
	if ((slash = strrchr(path, '/')) != NULL)
		l.dirlen = (size_t)(slash - path) + 1;

	if ((fp = fopen(path, "re")) == NULL)
		return km_errf(err, KM_EDATA, "cannot read config '%s': %s",
		    path, strerror(errno));
	if (fstat(fileno(fp), &st) == -1)
		e = errno;
	else
		e = S_ISDIR(st.st_mode) ? EISDIR : 0;
	if (e != 0) {
		fclose(fp);
		return km_errf(err, KM_EDATA, "cannot read config '%s': %s",
		    path, strerror(e));
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(fp);
		return nomem(&l);
	}
	yaml_parser_set_input_file(&parser, fp);

	if ((cfg = calloc(1, sizeof(*cfg))) == NULL ||
	    (cfg->path = strdup(path)) == NULL) {
		nomem(&l);
		goto out;
	}
	cfg->store.busy_timeout = DEF_BUSY_TIMEOUT;
	km_strlcpy(cfg->cards.iin, DEF_IIN, sizeof(cfg->cards.iin));
	cfg->cards.validity_years = DEF_VALIDITY_YEARS;
	cfg->cards.temporary_days = DEF_TEMPORARY_DAYS;
	cfg->cards.resident = DEF_RESIDENT;
	cfg->cards.entrepreneur = DEF_ENTREPRENEUR;
	cfg->blacklist.max_add = DEF_MAX_ADD;
	cfg->ca.key_type = KM_KEY_EC256;
	km_strlcpy(cfg->ca.country, DEF_CA_COUNTRY, sizeof(cfg->ca.country));
	cfg->ca.root_days = DEF_ROOT_DAYS;
	cfg->ca.issuing_days = DEF_ISSUING_DAYS;
	cfg->ca.crl_days = DEF_CRL_DAYS;
	memcpy(cfg->ca.profile, def_profiles, sizeof(def_profiles));
	l.cfg = cfg;

	if (load_stream(&l, &parser) == -1 || ca_defaults(&l) == -1)
		goto out;
	if (cfg->store.path == NULL) {
		km_errf(err, KM_EDATA, "%s: missing key 'store.path'", path);
		goto out;
	}
	if ((cfg->keys.hotlist_signer != NULL || cfg->ca.set) &&
	    (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
		km_errf(err, KM_EDATA, "config '%s' names key material and is "
		    "writable by others", path);
		goto out;
	}
	*cfgp = cfg;
	cfg = NULL;
	rv = 0;
out:
	km_cfg_free(cfg);
	yaml_parser_delete(&parser);
	fclose(fp);
	return rv;
}

/* Frees cfg and everything in it; cfg may be NULL. */
void
km_cfg_free(struct km_cfg *cfg)
{
	char **p;
	size_t i;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->store.path);
	for (i = 0; i < KM_NROLES; i++) {
		if (cfg->roles[i] == NULL)
			continue;
		for (p = cfg->roles[i]; *p != NULL; p++)
			free(*p);
		free(cfg->roles[i]);
	}
	free(cfg->keys.hotlist_signer);
	free(cfg->keys.hotlist_verify);
	free(cfg->reader.name);
	free(cfg->ca.dir);
	free(cfg->ca.name);
	free(cfg->ca.root_key);
	free(cfg->ca.issuing_key);
	free(cfg->ca.ocsp_key);
	free(cfg->ca.passphrase_file);
	free(cfg->ca.pkcs11_module);
	free(cfg->ca.pkcs11_pin_file);
	free(cfg->ca.crl_url);
	free(cfg->ca.ocsp_url);
	free(cfg);
}

static int
issep(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' ||
	    c == '+';
}

/*
 * Parses service names separated by spaces, commas or '+' ("eticket,
 * payments", "identification+esignature") into their KM_SVC_* bits.  A
 * name may repeat.  Returns 0 with *bits set, or -1 (KM_EDATA) for an
 * unknown name or a list with none, leaving *bits alone.  s may be NULL,
 * which is an empty list.
 */
int
km_services_parse(const char *s, unsigned *bits, struct km_err *err)
{
	unsigned b = 0;
	size_t n, i;
	char buf[80];

	if (s == NULL)
		s = "";
	for (;;) {
		while (*s != '\0' && issep(*s))
			s++;
		if (*s == '\0')
			break;
		for (n = 0; s[n] != '\0' && !issep(s[n]); n++)
			continue;
		for (i = 0; i < KM_NSERVICES; i++)
			if (strncmp(service_names[i], s, n) == 0 &&
			    service_names[i][n] == '\0')
				break;
		/* A name with digits may be a misplaced PESEL: not echoed. */
		if (i == KM_NSERVICES && strcspn(s, "0123456789") < n)
			return km_errf(err, KM_EDATA, "unknown service (with "
			    "digits)");
		if (i == KM_NSERVICES)
			return km_errf(err, KM_EDATA, "unknown service '%s'",
			    safe(s, n, buf, sizeof(buf)));
		b |= 1U << i;
		s += n;
	}
	if (b == 0)
		return km_errf(err, KM_EDATA, "empty service list");
	*bits = b;
	return 0;
}

/* The bit number of bit, which must have exactly one bit set; or -1. */
static int
bitno(unsigned bit, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (bit == 1U << i)
			return i;
	return -1;
}

/*
 * The name of one service (a single KM_SVC_* bit: "identification",
 * "eticket", "payments", "esignature", "benefits"), or NULL for anything
 * else.
 */
const char *
km_service_name(unsigned bit)
{
	int i = bitno(bit, KM_NSERVICES);

	return i == -1 ? NULL : service_names[i];
}

/*
 * The name of one role (a single KM_ROLE_* bit: "clerk", "helpdesk",
 * "admin", "cron", "device", "auditor"), or NULL for anything else.  The
 * bit number is also the role's index in cfg->roles.
 */
const char *
km_role_name(unsigned bit)
{
	int i = bitno(bit, KM_NROLES);

	return i == -1 ? NULL : role_names[i];
}
