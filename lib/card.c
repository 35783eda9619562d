/*
 * card.c -- the register of holders and cards.  An application (from a
 * clerk's key=value operands or a campaign's CSV row) is checked field by
 * field, then as a whole; issuing it registers the holder, or finds the
 * one already registered under the same PESEL (and NIP), and orders a card
 * of the type the holder is: a Resident Card for a resident, an
 * Entrepreneur Card for an entrepreneur.  Card numbers are 16 digits:
 * the issuer's six-digit IIN, one digit for the type, an eight-digit
 * serial and a Luhn check digit.  Lookups for the helpdesk find cards by
 * number, chip UID, PESEL, NIP or name.  The lifecycle itself is life.c.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "km-internal.h"

enum {
	F_TYPE = 1 << 0, F_PESEL = 1 << 1, F_FIRST = 1 << 2,
	F_SURNAME = 1 << 3, F_STREET = 1 << 4, F_POSTCODE = 1 << 5,
	F_CITY = 1 << 6, F_EMAIL = 1 << 7, F_PHONE = 1 << 8, F_NIP = 1 << 9,
	F_REGON = 1 << 10, F_COMPANY = 1 << 11, F_SERVICES = 1 << 12
};

static const struct {
	const char	*name;
	unsigned	 bit;
} appfields[] = {
	{ "type", F_TYPE }, { "pesel", F_PESEL },
	{ "first_name", F_FIRST }, { "surname", F_SURNAME },
	{ "street", F_STREET }, { "postcode", F_POSTCODE },
	{ "city", F_CITY }, { "email", F_EMAIL }, { "phone", F_PHONE },
	{ "nip", F_NIP }, { "regon", F_REGON }, { "company", F_COMPANY },
	{ "services", F_SERVICES },
};

const char *
km_card_type_name(int t)
{
	switch (t) {
	case KM_CARD_RESIDENT:
		return "resident";
	case KM_CARD_ENTREPRENEUR:
		return "entrepreneur";
	case KM_CARD_TEMPORARY:
		return "temporary";
	}
	return "unknown";
}

const char *
km_card_type_title(int t)
{
	switch (t) {
	case KM_CARD_RESIDENT:
		return "Resident Card";
	case KM_CARD_ENTREPRENEUR:
		return "Entrepreneur Card";
	case KM_CARD_TEMPORARY:
		return "Temporary Card";
	}
	return "unknown card";
}

void
km_app_init(struct km_app *a)
{
	memset(a, 0, sizeof(*a));
}

/*
 * The code point of the UTF-8 sequence at p, and its length in *len; -1
 * for anything that is not well-formed UTF-8 (overlong forms, surrogates,
 * beyond U+10FFFF, cut short).
 */
static long
utf8_next(const unsigned char *p, size_t *len)
{
	long cp;
	size_t n, i;

	if (p[0] < 0x80) {
		*len = 1;
		return p[0];
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		n = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		cp = p[0] & 0x07;
	} else
		return -1;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return -1;
	*len = n;
	return cp;
}

/* Well-formed UTF-8 text of 1..max-1 bytes with no control characters
 * (C0, DEL or C1). */
static int
text_ok(const char *key, const char *v, size_t max, struct km_err *err)
{
	const unsigned char *p = (const unsigned char *)v;
	size_t len;
	long cp;

	if (strlen(v) >= max)
		return km_errf(err, KM_EDATA, "%s: longer than %zu bytes", key,
		    max - 1);
	while (*p != '\0') {
		if ((cp = utf8_next(p, &len)) == -1)
			return km_errf(err, KM_EDATA, "%s: not valid UTF-8",
			    key);
		if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return km_errf(err, KM_EDATA,
			    "%s: control character", key);
		p += len;
	}
	return 0;
}

static int
email_ok(const char *v, struct km_err *err)
{
	const char *at = strchr(v, '@');

	if (text_ok("email", v, KM_TEXTSZ, err) == -1)
		return -1;
	if (at == NULL || at == v || strchr(at + 1, '@') != NULL ||
	    strchr(at + 1, '.') == NULL || at[1] == '.' ||
	    v[strlen(v) - 1] == '.' || strpbrk(v, " \t,;<>\"") != NULL)
		return km_errf(err, KM_EDATA, "email: not an address");
	return 0;
}

/* 9 to 15 digits with an optional leading '+'; spaces and dashes
 * dropped.  out is written only when the number is good. */
static int
phone_norm(const char *v, char out[17], struct km_err *err)
{
	char buf[17];
	size_t n = 0, digits = 0;

	if (*v == '+')
		buf[n++] = *v++;
	for (; *v != '\0'; v++) {
		if (*v == ' ' || *v == '-')
			continue;
		if (!isdigit((unsigned char)*v) || digits == 15)
			return km_errf(err, KM_EDATA,
			    "phone: 9 to 15 digits, with an optional '+'");
		buf[n++] = *v;
		digits++;
	}
	buf[n] = '\0';
	if (digits < 9)
		return km_errf(err, KM_EDATA,
		    "phone: 9 to 15 digits, with an optional '+'");
	memcpy(out, buf, n + 1);
	return 0;
}

/*
 * Sets field key of the application to val, checking its form.  An empty
 * value leaves the field unset.  Returns 0 or -1 (KM_EDATA, naming the
 * field).
 */
int
km_app_set(struct km_app *a, const char *key, const char *val,
    struct km_err *err)
{
	unsigned bit = 0;
	size_t i;

	for (i = 0; i < nitems(appfields); i++)
		if (strcmp(key, appfields[i].name) == 0)
			bit = appfields[i].bit;
	if (bit == 0)
		return km_errf(err, KM_EDATA, "unknown field '%s'", key);
	if (*val == '\0')
		return 0;
	switch (bit) {
	case F_TYPE:
		if (strcmp(val, "resident") == 0)
			a->type = KM_CARD_RESIDENT;
		else if (strcmp(val, "entrepreneur") == 0)
			a->type = KM_CARD_ENTREPRENEUR;
		else
			return km_errf(err, KM_EDATA, "type: neither resident "
			    "nor entrepreneur");
		break;
	case F_PESEL:
		if (km_pesel_check(val, NULL, err) == -1)
			return km_errpre(err, "pesel");
		km_strlcpy(a->pesel, val, sizeof(a->pesel));
		break;
	case F_FIRST:
		if (text_ok(key, val, sizeof(a->first_name), err) == -1)
			return -1;
		km_strlcpy(a->first_name, val, sizeof(a->first_name));
		break;
	case F_SURNAME:
		if (text_ok(key, val, sizeof(a->surname), err) == -1)
			return -1;
		km_strlcpy(a->surname, val, sizeof(a->surname));
		break;
	case F_STREET:
		if (text_ok(key, val, sizeof(a->street), err) == -1)
			return -1;
		km_strlcpy(a->street, val, sizeof(a->street));
		break;
	case F_POSTCODE:
		if (strlen(val) != 6 || val[2] != '-' ||
		    !isdigit((unsigned char)val[0]) ||
		    !isdigit((unsigned char)val[1]) ||
		    !km_isdigits(val + 3, 3))
			return km_errf(err, KM_EDATA,
			    "postcode: not of the form NN-NNN");
		km_strlcpy(a->postcode, val, sizeof(a->postcode));
		break;
	case F_CITY:
		if (text_ok(key, val, sizeof(a->city), err) == -1)
			return -1;
		km_strlcpy(a->city, val, sizeof(a->city));
		break;
	case F_EMAIL:
		if (email_ok(val, err) == -1)
			return -1;
		km_strlcpy(a->email, val, sizeof(a->email));
		break;
	case F_PHONE:
		if (phone_norm(val, a->phone, err) == -1)
			return -1;
		break;
	case F_NIP:
		if (km_nip_check(val, a->nip, err) == -1)
			return km_errpre(err, "nip");
		break;
	case F_REGON:
		if (km_regon_check(val, err) == -1)
			return km_errpre(err, "regon");
		km_strlcpy(a->regon, val, sizeof(a->regon));
		break;
	case F_COMPANY:
		if (text_ok(key, val, sizeof(a->company), err) == -1)
			return -1;
		km_strlcpy(a->company, val, sizeof(a->company));
		break;
	case F_SERVICES:
		if (km_services_parse(val, &a->services, err) == -1)
			return km_errpre(err, "services");
		break;
	}
	a->set |= bit;
	return 0;
}

/*
 * Checks that the application is whole for its type and asks only for
 * services its card offers (cfg); an application that names no services
 * gets all of them.  Returns 0 or -1 (KM_EDATA).
 */
int
km_app_check(struct km_app *a, const struct km_cfg *cfg, struct km_err *err)
{
	static const struct {
		unsigned	 bit;
		const char	*name;
	} need[] = {
		{ F_PESEL, "pesel" }, { F_FIRST, "first_name" },
		{ F_SURNAME, "surname" }, { F_STREET, "street" },
		{ F_POSTCODE, "postcode" }, { F_CITY, "city" },
		{ F_NIP, "nip" }, { F_REGON, "regon" },
		{ F_COMPANY, "company" },
	};
	unsigned offered, bit;
	size_t i;

	if (!(a->set & F_TYPE))
		return km_errf(err, KM_EDATA, "type: missing "
		    "(resident or entrepreneur)");
	for (i = 0; i < nitems(need); i++) {
		int business = need[i].bit & (F_NIP | F_REGON | F_COMPANY);

		if (business && a->type == KM_CARD_RESIDENT) {
			if (a->set & need[i].bit)
				return km_errf(err, KM_EDATA, "%s: only for an "
				    "entrepreneur", need[i].name);
			continue;
		}
		if (!(a->set & need[i].bit))
			return km_errf(err, KM_EDATA, "%s: missing",
			    need[i].name);
	}
	offered = a->type == KM_CARD_RESIDENT ? cfg->cards.resident :
	    cfg->cards.entrepreneur;
	if (a->services == 0)
		a->services = offered;
	for (bit = 1; bit < (1u << KM_NSERVICES); bit <<= 1)
		if ((a->services & bit) && !(offered & bit))
			return km_errf(err, KM_EDATA, "services: '%s' is not "
			    "offered on the %s", km_service_name(bit),
			    km_card_type_title(a->type));
	return 0;
}

int
km_cardno_check(const char *s, struct km_err *err)
{
	if (!km_isdigits(s, KM_CARDNO_LEN))
		return km_errf(err, KM_EDATA, "card number '%s': not %d digits",
		    s, KM_CARDNO_LEN);
	if (!km_luhn_valid(s))
		return km_errf(err, KM_EDATA, "card number '%s': bad check "
		    "digit", s);
	return 0;
}

/* The next number for a card of type t.  In a transaction. */
static int
next_number(struct km_db *db, const struct km_cfg *cfg, int t,
    char out[KM_CARDNO_LEN + 1], struct km_err *err)
{
	static const char q_init[] =
	    "INSERT INTO counter (name, value) VALUES (?1, 0)"
	    " ON CONFLICT (name) DO NOTHING";
	static const char q_next[] =
	    "UPDATE counter SET value = value + 1 WHERE name = ?1"
	    " RETURNING value";
	sqlite3_stmt *st;
	char name[16];
	long long v;
	int rc;

	snprintf(name, sizeof(name), "card.%d", t);
	if ((st = km_db_stmt(db, q_init, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) != SQLITE_DONE)
		return km_db_err(db, rc, "card number", err);
	if ((st = km_db_stmt(db, q_next, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		return km_db_err(db, rc, "card number", err);
	v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (v > 99999999)
		return km_errf(err, KM_EDATA, "no card numbers left for the "
		    "%s in IIN %s", km_card_type_title(t), cfg->cards.iin);
	/* 6 + 1 + 8 digits, then the check digit. */
	memcpy(out, cfg->cards.iin, 6);
	out[6] = (char)('0' + t % 10);
	for (rc = 14; rc >= 7; rc--, v /= 10)
		out[rc] = (char)('0' + v % 10);
	out[KM_CARDNO_LEN - 1] = '\0';
	out[KM_CARDNO_LEN - 1] = km_luhn_digit(out);
	out[KM_CARDNO_LEN] = '\0';
	return 0;
}

/* Inserts a card in state ordered and its first event.  In a transaction. */
int
km_card_order(struct km_db *db, const struct km_cfg *cfg, long long holder,
    int type, unsigned services, long long replaces, const char *note,
    struct km_card *c, struct km_err *err)
{
	static const char q_card[] =
	    "INSERT INTO card (number, type, state, holder_id, services,"
	    " ordered_at, state_at, expires_at, replaces)"
	    " VALUES (?1, ?2, 'ordered', ?3, ?4, ?5, ?5, ?6, ?7)"
	    " RETURNING id";
	sqlite3_stmt *st;
	char at[KM_TIME_BUFSZ], exp[KM_TIME_BUFSZ], detail[160];
	time_t now = km_db_now(db);
	int rc;

	memset(c, 0, sizeof(*c));
	if (next_number(db, cfg, type, c->number, err) == -1)
		return -1;
	c->type = type;
	c->state = KM_ST_ORDERED;
	c->services = services;
	c->holder_id = holder;
	c->ordered_at = c->state_at = now;
	c->expires_at = type == KM_CARD_TEMPORARY ?
	    now + (time_t)cfg->cards.temporary_days * 86400 :
	    km_time_add_years(now, cfg->cards.validity_years);
	km_time_iso(now, at);
	km_time_iso(c->expires_at, exp);
	if ((st = km_db_stmt(db, q_card, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, c->number, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, type);
	sqlite3_bind_int64(st, 3, holder);
	sqlite3_bind_int(st, 4, (int)services);
	sqlite3_bind_text(st, 5, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, exp, -1, SQLITE_TRANSIENT);
	if (replaces > 0)
		sqlite3_bind_int64(st, 7, replaces);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		return km_db_err(db, rc, "card", err);
	c->id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (km_card_event(db, c->id, "order", KM_ST_NONE, KM_ST_ORDERED, NULL,
	    note, err) == -1)
		return -1;
	snprintf(detail, sizeof(detail), "holder=%lld type=%s services=%u "
	    "expires=%s", holder, km_card_type_name(type), services, exp);
	return km_audit(db, "card.order", c->number, detail, err);
}

/* Appends a lifecycle event.  In a transaction. */
int
km_card_event(struct km_db *db, long long card, const char *ev, int from,
    int to, const char *reason, const char *note, struct km_err *err)
{
	static const char q[] =
	    "INSERT INTO card_event (card_id, at, ev, from_state, to_state,"
	    " reason, note, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	sqlite3_stmt *st;
	char at[KM_TIME_BUFSZ];
	int rc;

	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	km_time_iso(km_db_now(db), at);
	sqlite3_bind_int64(st, 1, card);
	sqlite3_bind_text(st, 2, at, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 3, ev, -1, SQLITE_STATIC);
	km_db_bind_text(st, 4, from == KM_ST_NONE ? NULL : km_state_name(from));
	sqlite3_bind_text(st, 5, km_state_name(to), -1, SQLITE_STATIC);
	km_db_bind_text(st, 6, reason);
	km_db_bind_text(st, 7, note);
	sqlite3_bind_text(st, 8, km_db_actor(db), -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "card event", err);
	return 0;
}

/* Finds or registers the holder of an application.  In a transaction. */
static int
holder_for(struct km_db *db, const struct km_app *a, long long *id,
    struct km_err *err)
{
	static const char q_find[] =
	    "SELECT id, first_name, surname, street, postcode, city, email,"
	    " phone FROM holder WHERE holder_key = ?1";
	static const char q_contact[] =
	    "UPDATE holder SET street = ?2, postcode = ?3, city = ?4,"
	    " email = COALESCE(?5, email), phone = COALESCE(?6, phone)"
	    " WHERE id = ?1";
	static const char q_add[] =
	    "INSERT INTO holder (holder_key, kind, pesel, first_name, surname,"
	    " street, postcode, city, email, phone, nip, regon, company,"
	    " name_key, name_key2, company_key, created_at) VALUES (?1, ?2,"
	    " ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,"
	    " ?17) RETURNING id";
	sqlite3_stmt *st;
	char key[40], first[KM_NAMESZ], sur[KM_NAMESZ], street[KM_TEXTSZ];
	char postcode[7], city[KM_NAMESZ], email[KM_TEXTSZ], phone[17];
	char nk[2 * KM_NAMESZ + 1], nk2[2 * KM_NAMESZ + 1], ck[KM_TEXTSZ];
	char buf[2 * KM_NAMESZ + 1], at[KM_TIME_BUFSZ], detail[64];
	int rc;

	if (a->type == KM_CARD_RESIDENT)
		snprintf(key, sizeof(key), "P:%s", a->pesel);
	else
		snprintf(key, sizeof(key), "E:%s:%s", a->nip, a->pesel);
	if ((st = km_db_stmt(db, q_find, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		km_db_col(st, 1, first, sizeof(first));
		km_db_col(st, 2, sur, sizeof(sur));
		km_db_col(st, 3, street, sizeof(street));
		km_db_col(st, 4, postcode, sizeof(postcode));
		km_db_col(st, 5, city, sizeof(city));
		km_db_col(st, 6, email, sizeof(email));
		km_db_col(st, 7, phone, sizeof(phone));
		sqlite3_reset(st);
		if (strcmp(first, a->first_name) != 0 ||
		    strcmp(sur, a->surname) != 0)
			return km_errf(err, KM_EDATA, "pesel: registered to "
			    "holder %lld under another name", *id);
		if (strcmp(street, a->street) == 0 &&
		    strcmp(postcode, a->postcode) == 0 &&
		    strcmp(city, a->city) == 0 &&
		    (a->email[0] == '\0' || strcmp(email, a->email) == 0) &&
		    (a->phone[0] == '\0' || strcmp(phone, a->phone) == 0))
			return 0;
		if ((st = km_db_stmt(db, q_contact, err)) == NULL)
			return -1;
		sqlite3_bind_int64(st, 1, *id);
		km_db_bind_text(st, 2, a->street);
		km_db_bind_text(st, 3, a->postcode);
		km_db_bind_text(st, 4, a->city);
		km_db_bind_text(st, 5, a->email);
		km_db_bind_text(st, 6, a->phone);
		if ((rc = sqlite3_step(st)) != SQLITE_DONE)
			return km_db_err(db, rc, "holder", err);
		snprintf(detail, sizeof(detail), "holder=%lld", *id);
		return km_audit(db, "holder.contact", detail,
		    "contact details from a new application", err);
	} else if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "holder", err);

	snprintf(buf, sizeof(buf), "%s %s", a->surname, a->first_name);
	km_fold(buf, nk, sizeof(nk));
	snprintf(buf, sizeof(buf), "%s %s", a->first_name, a->surname);
	km_fold(buf, nk2, sizeof(nk2));
	km_fold(a->company, ck, sizeof(ck));
	km_time_iso(km_db_now(db), at);
	if ((st = km_db_stmt(db, q_add, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(st, 2, a->type);
	km_db_bind_text(st, 3, a->pesel);
	km_db_bind_text(st, 4, a->first_name);
	km_db_bind_text(st, 5, a->surname);
	km_db_bind_text(st, 6, a->street);
	km_db_bind_text(st, 7, a->postcode);
	km_db_bind_text(st, 8, a->city);
	km_db_bind_text(st, 9, a->email);
	km_db_bind_text(st, 10, a->phone);
	km_db_bind_text(st, 11, a->nip);
	km_db_bind_text(st, 12, a->regon);
	km_db_bind_text(st, 13, a->company);
	km_db_bind_text(st, 14, nk);
	km_db_bind_text(st, 15, nk2);
	km_db_bind_text(st, 16, ck);
	sqlite3_bind_text(st, 17, at, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW)
		return km_db_err(db, rc, "holder", err);
	*id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	snprintf(detail, sizeof(detail), "holder=%lld", *id);
	return km_audit(db, "holder.register", detail,
	    km_card_type_name(a->type), err);
}

/*
 * Registers the holder (or finds them) and orders their card.  A holder
 * with a card of the type that is still in use (ordered, personalised,
 * active, suspended, or blocked and not yet replaced) is refused: a second
 * card goes through replacement.  In a transaction.
 */
int
km_card_issue(struct km_db *db, const struct km_cfg *cfg,
    const struct km_app *a, struct km_card *c, struct km_err *err)
{
	static const char q_live[] =
	    "SELECT number, state FROM card WHERE holder_id = ?1 AND type = ?2"
	    " AND state IN ('ordered', 'personalised', 'active', 'suspended',"
	    " 'blocked') ORDER BY id LIMIT 1";
	sqlite3_stmt *st;
	long long holder;
	char num[KM_CARDNO_LEN + 1], state[16];
	int rc;

	if (holder_for(db, a, &holder, err) == -1)
		return -1;
	if ((st = km_db_stmt(db, q_live, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, holder);
	sqlite3_bind_int(st, 2, a->type);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		km_db_col(st, 0, num, sizeof(num));
		km_db_col(st, 1, state, sizeof(state));
		sqlite3_reset(st);
		return km_errf(err, KM_EDATA, "holder %lld already has %s %s "
		    "'%s'%s", holder, km_card_type_title(a->type), state, num,
		    strcmp(state, "blocked") == 0 ? ": replace it" : "");
	}
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "card", err);
	return km_card_order(db, cfg, holder, a->type, a->services, 0,
	    "application", c, err);
}

#define CARD_COLS \
	"c.id, c.number, c.type, c.state, c.chip_uid, c.services," \
	" c.holder_id, c.ordered_at, c.state_at, c.expires_at, c.reason," \
	" r.number, n.number, h.card_id IS NOT NULL" \
	" FROM card c LEFT JOIN card r ON r.id = c.replaces" \
	" LEFT JOIN card n ON n.id = c.replaced_by" \
	" LEFT JOIN hotlist h ON h.card_id = c.id"

static void
card_row(sqlite3_stmt *st, struct km_card *c)
{
	char buf[KM_TIME_BUFSZ];

	memset(c, 0, sizeof(*c));
	c->id = sqlite3_column_int64(st, 0);
	km_db_col(st, 1, c->number, sizeof(c->number));
	c->type = sqlite3_column_int(st, 2);
	km_db_col(st, 3, buf, sizeof(buf));
	c->state = km_state_parse(buf);
	km_db_col(st, 4, c->chip_uid, sizeof(c->chip_uid));
	c->services = (unsigned)sqlite3_column_int(st, 5);
	c->holder_id = sqlite3_column_int64(st, 6);
	km_db_col(st, 7, buf, sizeof(buf));
	km_time_parse(buf, &c->ordered_at, NULL);
	km_db_col(st, 8, buf, sizeof(buf));
	km_time_parse(buf, &c->state_at, NULL);
	km_db_col(st, 9, buf, sizeof(buf));
	km_time_parse(buf, &c->expires_at, NULL);
	km_db_col(st, 10, c->reason, sizeof(c->reason));
	km_db_col(st, 11, c->replaces, sizeof(c->replaces));
	km_db_col(st, 12, c->replaced_by, sizeof(c->replaced_by));
	c->listed = sqlite3_column_int(st, 13);
}

static int
card_one(struct km_db *db, const char *sql, long long id, const char *num,
    struct km_card *c, struct km_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = km_db_stmt(db, sql, err)) == NULL)
		return -1;
	if (num != NULL)
		sqlite3_bind_text(st, 1, num, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		card_row(st, c);
		sqlite3_reset(st);
		return 0;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "card", err);
	if (num != NULL)
		return km_errf(err, KM_ENOTFOUND, "no card '%s'", num);
	return km_errf(err, KM_ENOTFOUND, "no card with id %lld", id);
}

int
km_card_get(struct km_db *db, long long id, struct km_card *c,
    struct km_err *err)
{
	static const char q[] = "SELECT " CARD_COLS " WHERE c.id = ?1";

	return card_one(db, q, id, NULL, c, err);
}

/*
 * The card with this number.  A number of the wrong form is KM_EDATA, an
 * unknown one KM_ENOTFOUND.
 */
int
km_card_by_number(struct km_db *db, const char *number, struct km_card *c,
    struct km_err *err)
{
	static const char q[] = "SELECT " CARD_COLS " WHERE c.number = ?1";

	if (km_cardno_check(number, err) == -1)
		return -1;
	return card_one(db, q, 0, number, c, err);
}

int
km_holder_get(struct km_db *db, long long id, struct km_holder *h,
    struct km_err *err)
{
	static const char q[] =
	    "SELECT id, kind, pesel, first_name, surname, street, postcode,"
	    " city, email, phone, nip, regon, company FROM holder WHERE id = ?1";
	sqlite3_stmt *st;
	int rc;

	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	if ((rc = sqlite3_step(st)) != SQLITE_ROW) {
		sqlite3_reset(st);
		if (rc == SQLITE_DONE)
			return km_errf(err, KM_ENOTFOUND, "no holder %lld", id);
		return km_db_err(db, rc, "holder", err);
	}
	memset(h, 0, sizeof(*h));
	h->id = sqlite3_column_int64(st, 0);
	h->kind = sqlite3_column_int(st, 1);
	km_db_col(st, 2, h->pesel, sizeof(h->pesel));
	km_db_col(st, 3, h->first_name, sizeof(h->first_name));
	km_db_col(st, 4, h->surname, sizeof(h->surname));
	km_db_col(st, 5, h->street, sizeof(h->street));
	km_db_col(st, 6, h->postcode, sizeof(h->postcode));
	km_db_col(st, 7, h->city, sizeof(h->city));
	km_db_col(st, 8, h->email, sizeof(h->email));
	km_db_col(st, 9, h->phone, sizeof(h->phone));
	km_db_col(st, 10, h->nip, sizeof(h->nip));
	km_db_col(st, 11, h->regon, sizeof(h->regon));
	km_db_col(st, 12, h->company, sizeof(h->company));
	sqlite3_reset(st);
	return 0;
}

int
km_card_history(struct km_db *db, long long id, struct km_event **evp,
    size_t *n, struct km_err *err)
{
	static const char q[] =
	    "SELECT at, from_state, to_state, reason, actor, note"
	    " FROM card_event WHERE card_id = ?1 ORDER BY id";
	sqlite3_stmt *st;
	struct km_event *ev = NULL, *nev;
	size_t cap = 0;
	char buf[KM_TIME_BUFSZ];
	int rc;

	*evp = NULL;
	*n = 0;
	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			if ((nev = realloc(ev, cap * sizeof(*ev))) == NULL) {
				free(ev);
				sqlite3_reset(st);
				return km_errf(err, KM_ESYS, "out of memory");
			}
			ev = nev;
		}
		memset(&ev[*n], 0, sizeof(ev[*n]));
		km_db_col(st, 0, buf, sizeof(buf));
		km_time_parse(buf, &ev[*n].at, NULL);
		km_db_col(st, 1, buf, sizeof(buf));
		ev[*n].from = km_state_parse(buf);
		km_db_col(st, 2, buf, sizeof(buf));
		ev[*n].to = km_state_parse(buf);
		km_db_col(st, 3, ev[*n].reason, sizeof(ev[*n].reason));
		km_db_col(st, 4, ev[*n].actor, sizeof(ev[*n].actor));
		km_db_col(st, 5, ev[*n].note, sizeof(ev[*n].note));
		(*n)++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(ev);
		*n = 0;
		return km_db_err(db, rc, "card history", err);
	}
	*evp = ev;
	return 0;
}

/* Runs a query whose first column is a card id into a malloc'd array. */
static int
collect_ids(struct km_db *db, sqlite3_stmt *st, long long **ids, size_t *n,
    struct km_err *err)
{
	long long *v = NULL, *nv;
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
				free(v);
				sqlite3_reset(st);
				return km_errf(err, KM_ESYS, "out of memory");
			}
			v = nv;
		}
		v[(*n)++] = sqlite3_column_int64(st, 0);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return km_db_err(db, rc, "find", err);
	}
	*ids = v;
	return 0;
}

/* How many characters of s are in set, if the rest are all in sep (and
 * s is not empty); else 0. */
static size_t
count_of(const char *s, const char *set, const char *sep)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (strchr(set, *s) != NULL)
			n++;
		else if (strchr(sep, *s) == NULL)
			return 0;
	}
	return n;
}

/*
 * Normalises a chip UID: 4, 7 or 10 bytes in hex, upper case, with
 * optional ':' or ' ' between bytes.  Returns 0 or -1.
 */
int
km_uid_check(const char *s, char out[KM_UIDSZ], struct km_err *err)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (*s == ':' || *s == ' ')
			continue;
		if (!isxdigit((unsigned char)*s) || n + 1 >= KM_UIDSZ)
			return km_errf(err, KM_EDATA, "chip uid: not 4, 7 or 10 "
			    "bytes in hex");
		out[n++] = (char)toupper((unsigned char)*s);
	}
	out[n] = '\0';
	if (n != 8 && n != 14 && n != 20)
		return km_errf(err, KM_EDATA, "chip uid: not 4, 7 or 10 bytes "
		    "in hex");
	return 0;
}

/*
 * Finds cards by key.  The key's form says what it is: 16 digits a card
 * number, 11 digits a PESEL, 10 digits (or a NIP with dashes or "PL") a
 * NIP, 8, 14 or 20 hex digits a chip UID, anything else a name.  A prefix
 * "card:", "uid:", "pesel:", "nip:" or "name:" says it outright.
 */
int
km_card_find(struct km_db *db, const char *key, long long **ids, size_t *n,
    struct km_err *err)
{
	static const char q_num[] = "SELECT id FROM card WHERE number = ?1";
	static const char q_uid[] = "SELECT id FROM card WHERE chip_uid = ?1";
	static const char q_pesel[] =
	    "SELECT c.id FROM card c JOIN holder h ON h.id = c.holder_id"
	    " WHERE h.pesel = ?1 ORDER BY h.id, c.id";
	static const char q_nip[] =
	    "SELECT c.id FROM card c JOIN holder h ON h.id = c.holder_id"
	    " WHERE h.nip = ?1 ORDER BY h.id, c.id";
	static const char q_name[] =
	    "SELECT c.id FROM card c JOIN holder h ON h.id = c.holder_id"
	    " WHERE h.name_key LIKE ?1 ESCAPE '\\'"
	    " OR h.name_key2 LIKE ?1 ESCAPE '\\'"
	    " OR h.company_key LIKE ?1 ESCAPE '\\' ORDER BY h.id, c.id";
	const char *sql, *kind = NULL;
	char val[2 * KM_TEXTSZ], fold[KM_TEXTSZ], *o;
	const char *p;
	sqlite3_stmt *st;
	size_t len;

	*ids = NULL;
	*n = 0;
	if ((p = strchr(key, ':')) != NULL && p - key <= 5 &&
	    strspn(key, "abcdefghijklmnopqrstuvwxyz") == (size_t)(p - key)) {
		static const char *kinds[] = { "card", "uid", "pesel", "nip",
		    "name" };
		size_t i;

		for (i = 0; i < nitems(kinds); i++)
			if (strncmp(key, kinds[i], (size_t)(p - key)) == 0 &&
			    strlen(kinds[i]) == (size_t)(p - key))
				kind = kinds[i];
		if (kind != NULL)
			key = p + 1;
	}
	len = strlen(key);
	if (len == 0)
		return km_errf(err, KM_EDATA, "empty search key");
	if (kind == NULL) {
		const char *k = key;
		size_t nd, nx;

		if (strncmp(k, "PL", 2) == 0 || strncmp(k, "pl", 2) == 0)
			k += 2;
		nd = count_of(k, "0123456789", " -");
		nx = count_of(key, "0123456789abcdefABCDEF", ":");
		if (km_isdigits(key, 16))
			kind = "card";
		else if (km_isdigits(key, 11))
			kind = "pesel";
		else if (nd == 10)
			kind = "nip";
		else if (nx == 8 || nx == 14 || nx == 20)
			kind = "uid";
		else
			kind = "name";
	}
	if (strcmp(kind, "card") == 0) {
		sql = q_num;
		km_strlcpy(val, key, sizeof(val));
	} else if (strcmp(kind, "uid") == 0) {
		if (km_uid_check(key, val, err) == -1)
			return -1;
		sql = q_uid;
	} else if (strcmp(kind, "pesel") == 0) {
		sql = q_pesel;
		km_strlcpy(val, key, sizeof(val));
	} else if (strcmp(kind, "nip") == 0) {
		if (km_nip_check(key, val, err) == -1)
			return km_errpre(err, "nip");
		sql = q_nip;
	} else {
		/* A name prefix: fold it and escape LIKE's own characters. */
		km_fold(key, fold, sizeof(fold));
		for (p = fold, o = val; *p != '\0'; p++) {
			if (*p == '%' || *p == '_' || *p == '\\')
				*o++ = '\\';
			*o++ = *p;
		}
		*o++ = '%';
		*o = '\0';
		sql = q_name;
	}
	if ((st = km_db_stmt(db, sql, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, val, -1, SQLITE_TRANSIENT);
	return collect_ids(db, st, ids, n, err);
}

/*
 * Cards in a state, or blocked for a reason (lost, stolen, damaged,
 * fraud), oldest first.
 */
int
km_card_list(struct km_db *db, const char *state, long long **ids,
    size_t *n, struct km_err *err)
{
	static const char q_state[] =
	    "SELECT id FROM card WHERE state = ?1 ORDER BY id";
	static const char q_reason[] =
	    "SELECT id FROM card WHERE state = 'blocked' AND reason = ?1"
	    " ORDER BY id";
	sqlite3_stmt *st;

	*ids = NULL;
	*n = 0;
	if (km_state_parse(state) != KM_ST_NONE)
		st = km_db_stmt(db, q_state, err);
	else if (km_block_reason_valid(state))
		st = km_db_stmt(db, q_reason, err);
	else
		return km_errf(err, KM_EDATA, "unknown state '%s'", state);
	if (st == NULL)
		return -1;
	sqlite3_bind_text(st, 1, state, -1, SQLITE_TRANSIENT);
	return collect_ids(db, st, ids, n, err);
}

int
km_card_due(struct km_db *db, time_t t, long long **ids, size_t *n,
    struct km_err *err)
{
	static const char q[] =
	    "SELECT id FROM card WHERE expires_at <= ?1 AND state IN"
	    " ('ordered', 'personalised', 'active', 'suspended')"
	    " ORDER BY expires_at, id";
	sqlite3_stmt *st;
	char at[KM_TIME_BUFSZ];

	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	km_time_iso(t, at);
	sqlite3_bind_text(st, 1, at, -1, SQLITE_TRANSIENT);
	return collect_ids(db, st, ids, n, err);
}

/*
 * Binds a chip to an ordered card.  A chip already bound to another card
 * is refused (a copied or swapped chip); binding the same chip again is a
 * no-op.  In a transaction.
 */
int
km_card_bind(struct km_db *db, struct km_card *c, const char *uid,
    struct km_err *err)
{
	static const char q_who[] =
	    "SELECT number FROM card WHERE chip_uid = ?1";
	static const char q_bind[] =
	    "UPDATE card SET chip_uid = ?2 WHERE id = ?1";
	sqlite3_stmt *st;
	char norm[KM_UIDSZ], other[KM_CARDNO_LEN + 1];
	int rc;

	if (km_uid_check(uid, norm, err) == -1)
		return -1;
	if ((st = km_db_stmt(db, q_who, err)) == NULL)
		return -1;
	sqlite3_bind_text(st, 1, norm, -1, SQLITE_TRANSIENT);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		km_db_col(st, 0, other, sizeof(other));
		sqlite3_reset(st);
		if (strcmp(other, c->number) == 0)
			return 0;
		return km_errf(err, KM_EDATA, "chip '%s' is already bound to "
		    "card '%s'", norm, other);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "card", err);
	if (c->chip_uid[0] != '\0')
		return km_errf(err, KM_EDATA, "card '%s' is already bound to "
		    "chip '%s'", c->number, c->chip_uid);
	if ((st = km_db_stmt(db, q_bind, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_text(st, 2, norm, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "card", err);
	km_strlcpy(c->chip_uid, norm, sizeof(c->chip_uid));
	return km_audit(db, "card.bind", c->number, norm, err);
}
