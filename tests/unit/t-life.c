/*
 * t-life.c -- the card lifecycle (lib/life.c) and its words (lib/state.c).
 * First the transition table, checked pair by pair against a matrix
 * written out here from the diagram in life.c and km(7) (not computed
 * from the library's own table); the state and event names; the block
 * reasons.  Then km_life_apply() and km_life_replace() on real cards in a
 * store under /tmp: refusals change nothing, every move writes its event
 * and audit row and keeps the hotlist in step, and a replacement links
 * old, new and temporary cards and retires the temporary one when the new
 * one is activated.
 */
#include <sys/stat.h>

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "km-internal.h"
#include "tap.h"
#include "pesel.h"

#define T0 1772445600		/* 2026-03-02T10:00:00Z */

static char dir[] = "/tmp/t-life.XXXXXX";
static struct km_cfg *cfg;
static struct km_db *db;
static time_t now = T0;

static int run(const char *fmt, ...) KM_PRINTF(1, 2);

static int
run(const char *fmt, ...)
{
	char cmd[2 * PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static struct km_cfg *
config(void)
{
	struct km_cfg *c = NULL;
	struct km_err e;
	char path[PATH_MAX], key[PATH_MAX];
	FILE *fp;

	snprintf(key, sizeof(key), "%s/hotlist.pem", dir);
	if (run("openssl genpkey -algorithm EC -pkeyopt "
	    "ec_paramgen_curve:P-256 -out %s 2>/dev/null", key) != 0 ||
	    chmod(key, 0600) == -1)
		return NULL;
	snprintf(path, sizeof(path), "%s/km.yaml", dir);
	if ((fp = fopen(path, "w")) == NULL)
		return NULL;
	fprintf(fp, "store:\n  path: %s/km.db\n  busy_timeout: 50\n"
	    "roles:\n  clerk: [tester]\n  admin: [tester]\n"
	    "cards:\n  iin: \"123456\"\n  validity_years: 5\n"
	    "  temporary_days: 14\n"
	    "keys:\n  hotlist_signer: %s\n"
	    "blacklist:\n  max_add: 1000\n", dir, key);
	if (fclose(fp) == EOF)
		return NULL;
	if (km_cfg_load(&c, path, &e) == -1) {
		printf("# %s\n", e.msg);
		return NULL;
	}
	return c;
}

static long long q_int(const char *fmt, ...) KM_PRINTF(1, 2);

/* The first column of the first row of the query, as an integer; -999
 * if there is no row. */
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

static const char *q_str(const char *fmt, ...) KM_PRINTF(1, 2);

/* The same as text, in a static buffer: "(null)" for NULL, "(none)"
 * for no row. */
static const char *
q_str(const char *fmt, ...)
{
	static char buf[4][512];
	static int i;
	sqlite3_stmt *st;
	char q[1024], *b = buf[i++ % 4];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	km_strlcpy(b, "(none)", sizeof(buf[0]));
	if (sqlite3_prepare_v2(km_db_handle(db), q, -1, &st, NULL) !=
	    SQLITE_OK) {
		printf("# %s: %s\n", q, sqlite3_errmsg(km_db_handle(db)));
		return b;
	}
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		km_strlcpy(b, sqlite3_column_type(st, 0) == SQLITE_NULL ?
		    "(null)" : (const char *)sqlite3_column_text(st, 0),
		    sizeof(buf[0]));
	sqlite3_finalize(st);
	return b;
}

/* Issues a resident card to a new holder, or with services. */
static int
issue(struct km_card *c, const char *ten, const char *first,
    const char *surname, const char *services)
{
	struct km_app a;
	struct km_err e;

	km_app_init(&a);
	if (km_app_set(&a, "type", "resident", &e) == -1 ||
	    km_app_set(&a, "pesel", pesel(ten), &e) == -1 ||
	    km_app_set(&a, "first_name", first, &e) == -1 ||
	    km_app_set(&a, "surname", surname, &e) == -1 ||
	    km_app_set(&a, "street", "ul. Piotrkowska 1", &e) == -1 ||
	    km_app_set(&a, "postcode", "90-001", &e) == -1 ||
	    km_app_set(&a, "city", "\xc5\x81\xc3\xb3" "d\xc5\xba", &e) ==
	    -1 ||
	    (services != NULL &&
	    km_app_set(&a, "services", services, &e) == -1) ||
	    km_app_check(&a, cfg, &e) == -1 ||
	    km_db_begin(db, &e) == -1) {
		printf("# issue: %s\n", e.msg);
		return -1;
	}
	if (km_card_issue(db, cfg, &a, c, &e) == -1) {
		printf("# issue: %s\n", e.msg);
		km_db_rollback(db);
		return -1;
	}
	return km_db_commit(db, &e);
}

/* Moves the card by ev in a transaction of its own, at the next minute;
 * returns what km_life_apply() did, with *e its error. */
static int
apply(struct km_card *c, int ev, const char *reason, const char *note,
    struct km_err *e)
{
	struct km_err e2;
	int rv;

	now += 60;
	km_db_set_now(db, now);
	memset(e, 0, sizeof(*e));
	if (km_db_begin(db, e) == -1)
		return -1;
	rv = km_life_apply(db, cfg, c, ev, reason, note, e);
	if (rv == -1)
		km_db_rollback(db);
	else if (km_db_commit(db, &e2) == -1) {
		*e = e2;
		return -1;
	}
	return rv;
}

/* ---- the table ---- */

/*
 * From the diagram (life.c, km(7)):
 *	ordered --personalise--> personalised --activate--> active
 *	active --suspend--> suspended --resume--> active
 *	personalised, active, suspended --block--> blocked
 *	personalised, active, suspended, blocked --replace--> replaced
 *	ordered, personalised, active, suspended --expire--> expired
 *	ordered, personalised, active, suspended, blocked --revoke--> revoked
 * One row per state; columns personalise, activate, suspend, resume,
 * block, replace, expire, revoke; '.' not allowed, else the first letter
 * of the state it leads to (v for revoked).
 */
static const char *const matrix[KM_NSTATES] = {
	/* none */		"........",
	/* ordered */		"p.....ev",
	/* personalised */	".a..brev",
	/* active */		"..s.brev",
	/* suspended */		"...abrev",
	/* blocked */		".....r.v",
	/* replaced */		"........",
	/* expired */		"........",
	/* revoked */		"........",
};

static int
letter_state(char l)
{
	switch (l) {
	case 'p':
		return KM_ST_PERSONALISED;
	case 'a':
		return KM_ST_ACTIVE;
	case 's':
		return KM_ST_SUSPENDED;
	case 'b':
		return KM_ST_BLOCKED;
	case 'r':
		return KM_ST_REPLACED;
	case 'e':
		return KM_ST_EXPIRED;
	case 'v':
		return KM_ST_REVOKED;
	}
	return KM_ST_NONE;
}

static const char *const statenames[KM_NSTATES] = {
	"none", "ordered", "personalised", "active", "suspended", "blocked",
	"replaced", "expired", "revoked"
};
static const char *const evnames[KM_NEVS] = {
	"personalise", "activate", "suspend", "resume", "block", "replace",
	"expire", "revoke"
};

static void
test_table(void)
{
	int s, ev, allowed = 0, wrong = 0;

	for (s = 0; s < KM_NSTATES; s++) {
		for (ev = 0; ev < KM_NEVS; ev++) {
			int want = letter_state(matrix[s][ev]);
			int got = km_life_next(s, ev);

			if (want != KM_ST_NONE)
				allowed++;
			if (got != want)
				wrong++;
			is(got, want, "next(%s, %s) is %s", statenames[s],
			    evnames[ev], statenames[want]);
		}
	}
	is(allowed, 20, "table: 20 moves allowed in all");
	is(wrong, 0, "table: every pair as the diagram says");

	/* Final states have no way out. */
	for (s = KM_ST_REPLACED; s <= KM_ST_REVOKED; s++) {
		int out = 0;

		for (ev = 0; ev < KM_NEVS; ev++)
			if (km_life_next(s, ev) != KM_ST_NONE)
				out++;
		is(out, 0, "%s is final", statenames[s]);
	}

	/* Out of range. */
	is(km_life_next(-1, KM_EV_ACTIVATE), KM_ST_NONE, "next: state -1");
	is(km_life_next(KM_NSTATES, KM_EV_REVOKE), KM_ST_NONE,
	    "next: state past the last");
	is(km_life_next(KM_ST_ORDERED, -1), KM_ST_NONE, "next: event -1");
	is(km_life_next(KM_ST_ACTIVE, KM_NEVS), KM_ST_NONE,
	    "next: event past the last");
	is(km_life_next(1000, 1000), KM_ST_NONE, "next: far out");
}

static void
test_names(void)
{
	int i;

	for (i = 0; i < KM_NSTATES; i++)
		is_str(km_state_name(i), statenames[i], "state %d is %s", i,
		    statenames[i]);
	for (i = 1; i < KM_NSTATES; i++)
		is(km_state_parse(statenames[i]), i, "parse '%s'",
		    statenames[i]);
	is(km_state_parse("none"), KM_ST_NONE, "parse 'none': none");
	is(km_state_parse(""), KM_ST_NONE, "parse '': none");
	is(km_state_parse("Active"), KM_ST_NONE, "parse is case-sensitive");
	is(km_state_parse("activ"), KM_ST_NONE, "parse: no prefixes");
	is(km_state_parse("active "), KM_ST_NONE, "parse: no trailing space");
	is(km_state_parse("lost"), KM_ST_NONE, "parse: a reason is no state");
	is_str(km_state_name(-1), "unknown", "state name -1: unknown");
	is_str(km_state_name(KM_NSTATES), "unknown",
	    "state name past the last: unknown");
	for (i = 0; i < KM_NEVS; i++)
		is_str(km_ev_name(i), evnames[i], "event %d is %s", i,
		    evnames[i]);
	is_str(km_ev_name(-1), "unknown", "event name -1: unknown");
	is_str(km_ev_name(KM_NEVS), "unknown", "event name past the last");
}

static void
test_reasons(void)
{
	ok(km_block_reason_valid("lost"), "reason: lost");
	ok(km_block_reason_valid("stolen"), "reason: stolen");
	ok(km_block_reason_valid("damaged"), "reason: damaged");
	ok(km_block_reason_valid("fraud"), "reason: fraud");
	ok(!km_block_reason_valid(""), "reason: empty refused");
	ok(!km_block_reason_valid("Lost"), "reason: case-sensitive");
	ok(!km_block_reason_valid("lost "), "reason: trailing space refused");
	ok(!km_block_reason_valid("los"), "reason: prefix refused");
	ok(!km_block_reason_valid("lostx"), "reason: longer refused");
	ok(!km_block_reason_valid("theft"), "reason: theft is not one");
	ok(!km_block_reason_valid("mislaid"), "reason: mislaid is not one");
}

/* ---- in the store ---- */

/* What a refused move must leave alone. */
struct snap {
	char	 row[512];
	long long events, audits, hotlist, hlevents, cards;
	struct km_card c;
};

static void
take(struct snap *s, const struct km_card *c)
{
	km_strlcpy(s->row, q_str("SELECT state || '|' || state_at || '|' ||"
	    " COALESCE(reason, '-') || '|' || COALESCE(replaced_by, '-')"
	    " FROM card WHERE id = %lld", c->id), sizeof(s->row));
	s->events = q_int("SELECT COUNT(*) FROM card_event WHERE card_id ="
	    " %lld", c->id);
	s->audits = q_int("SELECT COUNT(*) FROM audit");
	s->hotlist = q_int("SELECT COUNT(*) FROM hotlist");
	s->hlevents = q_int("SELECT COUNT(*) FROM hotlist_event");
	s->cards = q_int("SELECT COUNT(*) FROM card");
	s->c = *c;
}

static void
same(const struct snap *s, const struct km_card *c, const char *what)
{
	struct snap t;

	take(&t, c);
	ok(strcmp(s->row, t.row) == 0 && s->events == t.events &&
	    s->audits == t.audits && s->hotlist == t.hotlist &&
	    s->hlevents == t.hlevents && s->cards == t.cards &&
	    memcmp(&s->c, c, sizeof(*c)) == 0,
	    "%s: nothing changed (card row, events, audit, hotlist, struct)",
	    what);
}

/* A move that must be refused with KM_EDATA and message want, changing
 * nothing.  The library is called directly, without a rollback after. */
static void
refused(struct km_card *c, int ev, const char *reason, const char *note,
    const char *want, const char *what)
{
	struct snap s;
	struct km_err e;
	int rv;

	take(&s, c);
	memset(&e, 0, sizeof(e));
	km_db_begin(db, &e);
	rv = km_life_apply(db, cfg, c, ev, reason, note, &e);
	is(rv, -1, "%s: refused", what);
	is(e.eclass, KM_EDATA, "%s: KM_EDATA", what);
	if (want != NULL)
		is_str(e.msg, want, "%s: message", what);
	same(&s, c, what);
	km_db_rollback(db);
}

/* Checks the card's last event and the last audit row. */
static void
last_event(const struct km_card *c, const char *ev, const char *from,
    const char *to, const char *reason, const char *note,
    const char *what)
{
	char at[KM_TIME_BUFSZ];

	km_time_iso(now, at);
	is_str(q_str("SELECT ev || '|' || COALESCE(from_state, '-') || '|' ||"
	    " to_state || '|' || COALESCE(reason, '-') || '|' ||"
	    " COALESCE(note, '-') || '|' || actor || '|' || at FROM card_event"
	    " WHERE card_id = %lld ORDER BY id DESC LIMIT 1", c->id),
	    q_str("SELECT '%s|%s|%s|%s|%s|tester|%s'", ev, from, to, reason,
	    note, at), "%s: event row", what);
}

/* The audit row for the move: the last card.* row for the card. */
static void
last_audit(const struct km_card *c, const char *action, const char *detail,
    const char *what)
{
	char at[KM_TIME_BUFSZ];

	km_time_iso(now, at);
	is_str(q_str("SELECT action || '|' || detail || '|' || actor || '|' ||"
	    " at FROM audit WHERE subject = '%s' AND action LIKE 'card.%%'"
	    " ORDER BY seq DESC LIMIT 1", c->number),
	    q_str("SELECT '%s|%s|tester|%s'", action, detail, at),
	    "%s: audit row", what);
}

/* The hotlist entry as "state_ev|reason|admin", or "(none)". */
static const char *
listed(const struct km_card *c)
{
	return q_str("SELECT COALESCE(state_ev, '-') || '|' ||"
	    " COALESCE(reason, '-') || '|' || admin FROM hotlist"
	    " WHERE number = '%s'", c->number);
}

static void
test_apply(void)
{
	struct km_card c, stale, fresh;
	struct km_err e;
	char want[256], reason[KM_NAMESZ + 1], note[KM_TEXTSZ + 1];
	long long audits;
	int ev;

	if (issue(&c, "8001011234", "Jan", "Kowalski", NULL) == -1) {
		ok(0, "apply: issue a card");
		return;
	}
	is(c.state, KM_ST_ORDERED, "issued: ordered");

	/* Every move the table refuses from ordered. */
	snprintf(want, sizeof(want), "card '%s' is ordered: it cannot be "
	    "activated", c.number);
	refused(&c, KM_EV_ACTIVATE, NULL, NULL, want, "activate an ordered "
	    "card");
	snprintf(want, sizeof(want), "card '%s' is ordered: it cannot be "
	    "suspended", c.number);
	refused(&c, KM_EV_SUSPEND, "x", NULL, want, "suspend ordered");
	snprintf(want, sizeof(want), "card '%s' is ordered: it cannot be "
	    "resumed", c.number);
	refused(&c, KM_EV_RESUME, NULL, NULL, want, "resume ordered");
	snprintf(want, sizeof(want), "card '%s' is ordered: it cannot be "
	    "blocked", c.number);
	refused(&c, KM_EV_BLOCK, "lost", NULL, want, "block ordered");
	snprintf(want, sizeof(want), "card '%s' is ordered: it cannot be "
	    "replaced", c.number);
	refused(&c, KM_EV_REPLACE, "damaged", NULL, want, "replace ordered");
	is(q_str("SELECT state FROM card WHERE id = %lld", c.id)[0], 'o',
	    "refusals: still ordered in the store");

	/* personalise */
	audits = q_int("SELECT COUNT(*) FROM audit");
	is(apply(&c, KM_EV_PERSONALISE, NULL, "bureau batch 7", &e), 0,
	    "personalise: done");
	is(c.state, KM_ST_PERSONALISED, "personalise: struct state");
	is(c.state_at, now, "personalise: struct state_at is the store's now");
	is_str(q_str("SELECT state FROM card WHERE id = %lld", c.id),
	    "personalised", "personalise: row state");
	last_event(&c, "personalise", "ordered", "personalised", "-",
	    "bureau batch 7", "personalise");
	last_audit(&c, "card.personalise", "ordered -> personalised",
	    "personalise");
	is(q_int("SELECT COUNT(*) FROM audit"), audits + 1,
	    "personalise: one audit row");
	ok(strcmp(listed(&c), "(none)") == 0 && !c.listed,
	    "personalise: not listed");
	is(q_int("SELECT COUNT(*) FROM card_event WHERE card_id = %lld",
	    c.id), 2, "personalise: two events (order, personalise)");
	snprintf(want, sizeof(want), "card '%s' is personalised: it cannot be "
	    "personalised", c.number);
	refused(&c, KM_EV_PERSONALISE, NULL, NULL, want, "personalise twice");

	/* activate */
	is(apply(&c, KM_EV_ACTIVATE, NULL, NULL, &e), 0, "activate: done");
	is(c.state, KM_ST_ACTIVE, "activate: active");
	last_event(&c, "activate", "personalised", "active", "-", "-",
	    "activate");
	last_audit(&c, "card.activate", "personalised -> active", "activate");
	snprintf(want, sizeof(want), "card '%s' is active: it cannot be "
	    "activated", c.number);
	refused(&c, KM_EV_ACTIVATE, NULL, NULL, want, "activate twice");
	snprintf(want, sizeof(want), "card '%s' is active: it cannot be "
	    "resumed", c.number);
	refused(&c, KM_EV_RESUME, NULL, NULL, want, "resume active");

	/* suspend lists; resume takes off */
	audits = q_int("SELECT COUNT(*) FROM audit");
	is(apply(&c, KM_EV_SUSPEND, "mislaid", NULL, &e), 0, "suspend: done");
	is(c.state, KM_ST_SUSPENDED, "suspend: suspended");
	is_str(c.reason, "mislaid", "suspend: struct reason");
	ok(c.listed, "suspend: struct listed");
	is_str(listed(&c), "suspend|mislaid|0", "suspend: on the hotlist");
	is_str(q_str("SELECT op FROM hotlist_event WHERE number = '%s'"
	    " ORDER BY seq DESC LIMIT 1", c.number), "+",
	    "suspend: hotlist event +");
	last_event(&c, "suspend", "active", "suspended", "mislaid", "-",
	    "suspend");
	last_audit(&c, "card.suspend", "active -> suspended reason=mislaid",
	    "suspend");
	is(q_int("SELECT COUNT(*) FROM audit"), audits + 2,
	    "suspend: two audit rows (card, hotlist)");
	is_str(q_str("SELECT action FROM audit ORDER BY seq DESC LIMIT 1"),
	    "hotlist.add", "suspend: the hotlist's audit row");
	is_str(q_str("SELECT reason FROM card WHERE id = %lld", c.id),
	    "mislaid", "suspend: row reason");
	snprintf(want, sizeof(want), "card '%s' is suspended: it cannot be "
	    "suspended", c.number);
	refused(&c, KM_EV_SUSPEND, "again", NULL, want, "suspend twice");

	is(apply(&c, KM_EV_RESUME, NULL, NULL, &e), 0, "resume: done");
	is(c.state, KM_ST_ACTIVE, "resume: active");
	ok(!c.listed, "resume: struct not listed");
	is_str(listed(&c), "(none)", "resume: off the hotlist");
	is_str(q_str("SELECT op FROM hotlist_event WHERE number = '%s'"
	    " ORDER BY seq DESC LIMIT 1", c.number), "-",
	    "resume: hotlist event -");
	is_str(q_str("SELECT COALESCE(reason, '(null)') FROM card WHERE id ="
	    " %lld", c.id), "(null)", "resume: row reason cleared");
	is_str(c.reason, "", "resume: struct reason cleared");
	last_event(&c, "resume", "suspended", "active", "-", "-", "resume");

	/* lengths of reason and note */
	memset(reason, 'r', sizeof(reason) - 1);
	reason[sizeof(reason) - 1] = '\0';
	refused(&c, KM_EV_SUSPEND, reason, NULL, "reason: longer than 64 bytes",
	    "a 65-byte reason");
	memset(note, 'n', sizeof(note) - 1);
	note[sizeof(note) - 1] = '\0';
	refused(&c, KM_EV_SUSPEND, "x", note, "note: longer than 128 bytes",
	    "a 129-byte note");
	reason[KM_NAMESZ - 1] = '\0';
	note[KM_TEXTSZ - 1] = '\0';
	is(apply(&c, KM_EV_SUSPEND, reason, note, &e), 0,
	    "a 64-byte reason and a 128-byte note: accepted");
	is(strlen(q_str("SELECT reason FROM card_event WHERE card_id = %lld"
	    " ORDER BY id DESC LIMIT 1", c.id)), KM_NAMESZ - 1,
	    "64-byte reason stored whole");
	is(strlen(q_str("SELECT note FROM card_event WHERE card_id = %lld"
	    " ORDER BY id DESC LIMIT 1", c.id)), KM_TEXTSZ - 1,
	    "128-byte note stored whole");
	apply(&c, KM_EV_RESUME, NULL, NULL, &e);

	/* block needs one of the reasons */
	snprintf(want, sizeof(want), "block reason '': not one of lost, "
	    "stolen, damaged, fraud");
	refused(&c, KM_EV_BLOCK, NULL, NULL, want, "block without a reason");
	refused(&c, KM_EV_BLOCK, "", NULL, want, "block with ''");
	refused(&c, KM_EV_BLOCK, "misplaced", NULL, "block reason 'misplaced':"
	    " not one of lost, stolen, damaged, fraud", "block, bad reason");
	refused(&c, KM_EV_BLOCK, "Lost", NULL, NULL, "block, 'Lost'");
	is(apply(&c, KM_EV_BLOCK, "lost", "phoned in", &e), 0, "block: done");
	is(c.state, KM_ST_BLOCKED, "block: blocked");
	is_str(q_str("SELECT state || ' ' || reason FROM card WHERE id ="
	    " %lld", c.id), "blocked lost", "block: row");
	is_str(listed(&c), "block|lost|0", "block: listed, kept by block");
	last_event(&c, "block", "active", "blocked", "lost", "phoned in",
	    "block");
	last_audit(&c, "card.block", "active -> blocked reason=lost", "block");
	snprintf(want, sizeof(want), "card '%s' is blocked: it cannot be "
	    "resumed", c.number);
	refused(&c, KM_EV_RESUME, NULL, NULL, want, "resume a blocked card");
	snprintf(want, sizeof(want), "card '%s' is blocked: it cannot be "
	    "expired", c.number);
	refused(&c, KM_EV_EXPIRE, NULL, NULL, want, "expire a blocked card");
	is_str(listed(&c), "block|lost|0", "blocked: still listed");

	/* revoke needs a reason */
	snprintf(want, sizeof(want), "revoking card '%s' needs a reason",
	    c.number);
	refused(&c, KM_EV_REVOKE, NULL, NULL, want, "revoke without a reason");
	refused(&c, KM_EV_REVOKE, "", NULL, want, "revoke with ''");
	is(apply(&c, KM_EV_REVOKE, "court order", NULL, &e), 0,
	    "revoke: done");
	is(c.state, KM_ST_REVOKED, "revoke: revoked");
	is_str(listed(&c), "revoke|court order|0", "revoke: listed");
	last_event(&c, "revoke", "blocked", "revoked", "court order", "-",
	    "revoke");
	last_audit(&c, "card.revoke", "blocked -> revoked reason=court order",
	    "revoke");
	for (ev = 0; ev < KM_NEVS; ev++) {
		char what[64];

		snprintf(what, sizeof(what), "%s a revoked card", evnames[ev]);
		refused(&c, ev, "lost", NULL, NULL, what);
	}
	snprintf(want, sizeof(want), "card '%s' is revoked: it cannot be "
	    "revoked", c.number);
	refused(&c, KM_EV_REVOKE, "again", NULL, want, "revoke twice");
	is(q_int("SELECT COUNT(*) FROM card_event WHERE card_id = %lld",
	    c.id), 9, "the card's history: 9 events");

	/* The history as the library reads it. */
	{
		struct km_event *h;
		size_t n;

		if (km_card_history(db, c.id, &h, &n, &e) == 0) {
			ok(n == 9 && h[0].from == KM_ST_NONE &&
			    h[0].to == KM_ST_ORDERED &&
			    h[8].from == KM_ST_BLOCKED &&
			    h[8].to == KM_ST_REVOKED &&
			    strcmp(h[8].reason, "court order") == 0 &&
			    strcmp(h[8].actor, "tester") == 0 &&
			    h[8].at == now, "history: oldest first, as moved");
			free(h);
		} else
			ok(0, "history: %s", e.msg);
	}

	/* A card that changed under a stale copy is a temporary failure. */
	if (issue(&c, "8001011235", "Anna", "Nowak", NULL) == -1)
		return;
	apply(&c, KM_EV_PERSONALISE, NULL, NULL, &e);
	apply(&c, KM_EV_ACTIVATE, NULL, NULL, &e);
	stale = c;
	is(apply(&c, KM_EV_SUSPEND, "mislaid", NULL, &e), 0,
	    "stale: the card moves on");
	audits = q_int("SELECT COUNT(*) FROM audit");
	snprintf(want, sizeof(want), "card '%s' changed under us", c.number);
	is(apply(&stale, KM_EV_BLOCK, "stolen", NULL, &e), -1,
	    "stale: a move from the old state is refused");
	is(e.eclass, KM_ETEMP, "stale: KM_ETEMP");
	is_str(e.msg, want, "stale: message");
	is(q_int("SELECT COUNT(*) FROM audit"), audits,
	    "stale: nothing audited");
	if (km_card_get(db, c.id, &fresh, &e) == 0) {
		ok(fresh.state == KM_ST_SUSPENDED &&
		    strcmp(fresh.reason, "mislaid") == 0 && fresh.listed,
		    "stale: the card as the first move left it");
		/* Blocking a suspended card: the block keeps it listed. */
		is(apply(&fresh, KM_EV_BLOCK, "stolen", NULL, &e), 0,
		    "block a suspended card");
		is_str(listed(&fresh), "block|stolen|0",
		    "block after suspend: kept by block now");
	}

	/* expire: no hotlist change for an ordinary card */
	if (issue(&c, "8001011236", "Ewa", "Lis", NULL) == -1)
		return;
	is(apply(&c, KM_EV_EXPIRE, "end of validity", NULL, &e), 0,
	    "expire an ordered card");
	ok(c.state == KM_ST_EXPIRED && strcmp(listed(&c), "(none)") == 0 &&
	    !c.listed, "expire: expired, not listed");
	last_audit(&c, "card.expire",
	    "ordered -> expired reason=end of validity", "expire");

	/* expire takes off what the lifecycle listed (the chip's own date
	 * stops it now); an admin's listing stays. */
	if (issue(&c, "8001011237", "Olaf", "Lis", NULL) == -1)
		return;
	apply(&c, KM_EV_PERSONALISE, NULL, NULL, &e);
	apply(&c, KM_EV_ACTIVATE, NULL, NULL, &e);
	apply(&c, KM_EV_SUSPEND, "mislaid", NULL, &e);
	is_str(listed(&c), "suspend|mislaid|0", "suspended: listed");
	is(apply(&c, KM_EV_EXPIRE, NULL, NULL, &e), 0,
	    "expire a suspended card");
	ok(c.state == KM_ST_EXPIRED && !c.listed &&
	    strcmp(listed(&c), "(none)") == 0,
	    "expire: a suspension's listing taken off");
	is_str(q_str("SELECT op FROM hotlist_event WHERE number = '%s'"
	    " ORDER BY seq DESC LIMIT 1", c.number), "-",
	    "expire: hotlist event -");

	if (issue(&c, "8001011238", "Ola", "Lis", NULL) == -1)
		return;
	apply(&c, KM_EV_PERSONALISE, NULL, NULL, &e);
	apply(&c, KM_EV_ACTIVATE, NULL, NULL, &e);
	apply(&c, KM_EV_SUSPEND, "mislaid", NULL, &e);
	{
		int changed;

		km_db_begin(db, &e);
		if (km_bl_add(db, c.number, "admin", "fraud check", &changed,
		    &e) == -1 || km_db_commit(db, &e) == -1) {
			ok(0, "admin listing: %s", e.msg);
			km_db_rollback(db);
		}
	}
	is(apply(&c, KM_EV_EXPIRE, NULL, NULL, &e), 0,
	    "expire a suspended card an admin listed too");
	ok(c.state == KM_ST_EXPIRED && c.listed,
	    "expire: still listed by the admin");
	is_str(listed(&c), "-|-|1", "expire: the admin's entry alone stays");
}

static void
test_replace(void)
{
	struct km_card old, neu, tmp, got, t2;
	struct km_err e;
	struct snap s;
	char want[256], exp[KM_TIME_BUFSZ];
	long long cards, n9;
	int rv;

	if (issue(&old, "9002023456", "Piotr", "Zieli\xc5\x84ski",
	    "identification eticket") == -1) {
		ok(0, "replace: issue");
		return;
	}
	/* An ordered card cannot be replaced: nothing is ordered either. */
	take(&s, &old);
	km_db_begin(db, &e);
	memset(&neu, 0x55, sizeof(neu));
	rv = km_life_replace(db, cfg, &old, "damaged", 1, &neu, &tmp, &e);
	snprintf(want, sizeof(want), "card '%s' is ordered: it cannot be "
	    "replaced", old.number);
	ok(rv == -1 && e.eclass == KM_EDATA && strcmp(e.msg, want) == 0,
	    "replace an ordered card: refused");
	same(&s, &old, "replace an ordered card");
	km_db_rollback(db);

	apply(&old, KM_EV_PERSONALISE, NULL, NULL, &e);
	apply(&old, KM_EV_ACTIVATE, NULL, NULL, &e);
	cards = q_int("SELECT COUNT(*) FROM card");
	now += 60;
	km_db_set_now(db, now);
	km_db_begin(db, &e);
	rv = km_life_replace(db, cfg, &old, "damaged", 1, &neu, &tmp, &e);
	if (!ok(rv == 0 && km_db_commit(db, &e) == 0, "replace with a "
	    "temporary card: done")) {
		printf("#   %s\n", e.msg);
		km_db_rollback(db);
		return;
	}
	is(q_int("SELECT COUNT(*) FROM card"), cards + 2,
	    "replace: two cards ordered");
	is(old.state, KM_ST_REPLACED, "replace: old card replaced");
	is_str(old.replaced_by, neu.number, "replace: old names the new");
	is_str(listed(&old), "replace|damaged|0", "replace: old listed");
	last_event(&old, "replace", "active", "replaced", "damaged", "-",
	    "replace");

	is(neu.state, KM_ST_ORDERED, "new card: ordered");
	is(neu.type, KM_CARD_RESIDENT, "new card: same type");
	is(neu.services, KM_SVC_ID | KM_SVC_ETICKET,
	    "new card: same services");
	is(neu.holder_id, old.holder_id, "new card: same holder");
	is_str(neu.replaces, old.number, "new card: names the old");
	ok(strcmp(neu.number, old.number) != 0 &&
	    strncmp(neu.number, "1234561", 7) == 0 && km_luhn_valid(neu.number),
	    "new card: a new resident number");
	is(neu.expires_at, km_time_add_years(now, 5),
	    "new card: valid validity_years from now");
	is_str(q_str("SELECT note FROM card_event WHERE card_id = %lld",
	    neu.id), q_str("SELECT 'replaces %s'", old.number),
	    "new card: its order event says what it replaces");

	is(tmp.type, KM_CARD_TEMPORARY, "temporary card: type 9");
	ok(strncmp(tmp.number, "1234569", 7) == 0 && km_luhn_valid(tmp.number),
	    "temporary card: IIN and type digit 9");
	is(tmp.services, neu.services, "temporary card: same services");
	is(tmp.holder_id, old.holder_id, "temporary card: same holder");
	is_str(tmp.replaces, old.number, "temporary card: names the old");
	is(tmp.state, KM_ST_ORDERED, "temporary card: ordered");
	is(tmp.expires_at, now + 14 * 86400,
	    "temporary card: valid temporary_days (14)");
	is_str(q_str("SELECT note FROM card_event WHERE card_id = %lld",
	    tmp.id), q_str("SELECT 'stands in for %s until %s'", old.number,
	    neu.number), "temporary card: its order event");

	/* The links in the store, and as the library reads them back. */
	is(q_int("SELECT replaced_by FROM card WHERE id = %lld", old.id),
	    neu.id, "store: old.replaced_by is the new card");
	is(q_int("SELECT replaces FROM card WHERE id = %lld", neu.id), old.id,
	    "store: new.replaces is the old card");
	is(q_int("SELECT replaces FROM card WHERE id = %lld", tmp.id), old.id,
	    "store: temporary.replaces is the old card");
	is_str(q_str("SELECT COALESCE(replaced_by, '(null)') FROM card WHERE"
	    " id = %lld", tmp.id), "(null)", "store: nothing replaces the "
	    "temporary card");
	if (km_card_get(db, old.id, &got, &e) == 0)
		ok(strcmp(got.replaced_by, neu.number) == 0 &&
		    got.state == KM_ST_REPLACED && got.listed,
		    "get old: replaced, listed, replaced_by");
	if (km_card_get(db, neu.id, &got, &e) == 0)
		ok(strcmp(got.replaces, old.number) == 0 && !got.listed,
		    "get new: replaces, not listed");
	km_time_iso(tmp.expires_at, exp);
	is_str(q_str("SELECT expires_at FROM card WHERE id = %lld", tmp.id),
	    exp, "store: temporary expiry");

	/* A temporary card is not replaced. */
	take(&s, &tmp);
	km_db_begin(db, &e);
	rv = km_life_replace(db, cfg, &tmp, "lost", 0, &got, &t2, &e);
	snprintf(want, sizeof(want), "card '%s' is a temporary card: it is "
	    "not replaced", tmp.number);
	ok(rv == -1 && e.eclass == KM_EDATA && strcmp(e.msg, want) == 0,
	    "replace a temporary card: refused");
	same(&s, &tmp, "replace a temporary card");
	km_db_rollback(db);

	/* The temporary card in use; activating the new one retires it. */
	apply(&tmp, KM_EV_PERSONALISE, NULL, NULL, &e);
	is(apply(&tmp, KM_EV_ACTIVATE, NULL, NULL, &e), 0,
	    "temporary card: activated");
	ok(tmp.state == KM_ST_ACTIVE && strcmp(listed(&tmp), "(none)") == 0,
	    "temporary card: active, not listed");
	apply(&neu, KM_EV_PERSONALISE, NULL, NULL, &e);
	ok(km_card_get(db, tmp.id, &got, &e) == 0 &&
	    got.state == KM_ST_ACTIVE && !got.listed,
	    "new card personalised: the temporary card still in use");
	is(apply(&neu, KM_EV_ACTIVATE, NULL, NULL, &e), 0,
	    "new card: activated");
	ok(neu.state == KM_ST_ACTIVE && !neu.listed &&
	    strcmp(listed(&neu), "(none)") == 0, "new card: active, not listed");
	if (km_card_get(db, tmp.id, &got, &e) == 0) {
		is(got.state, KM_ST_EXPIRED,
		    "activating the new card expired the temporary one");
		is_str(got.reason, "replacement collected",
		    "temporary card: reason");
		ok(got.listed, "temporary card: listed (its chip is still "
		    "valid by date)");
	} else
		ok(0, "get temporary: %s", e.msg);
	is_str(listed(&tmp), "expire|replacement collected|0",
	    "temporary card: the hotlist entry");
	last_event(&tmp, "expire", "active", "expired",
	    "replacement collected", neu.number, "temporary card expired");
	is(q_int("SELECT state = 'replaced' FROM card WHERE id = %lld",
	    old.id), 1, "old card: still replaced");

	/* Without a temporary card; the temporary one stays unset; a
	 * blocked card can be replaced. */
	if (issue(&old, "9002023457", "Olga", "Wr\xc3\xb3" "bel", NULL) == -1)
		return;
	apply(&old, KM_EV_PERSONALISE, NULL, NULL, &e);
	apply(&old, KM_EV_BLOCK, "stolen", NULL, &e);
	n9 = q_int("SELECT COUNT(*) FROM card WHERE type = 9");
	cards = q_int("SELECT COUNT(*) FROM card");
	memset(&t2, 0x5a, sizeof(t2));
	memcpy(&got, &t2, sizeof(got));
	km_db_begin(db, &e);
	rv = km_life_replace(db, cfg, &old, NULL, 0, &neu, &t2, &e);
	ok(rv == 0 && km_db_commit(db, &e) == 0,
	    "replace a blocked card without a temporary one");
	ok(memcmp(&t2, &got, sizeof(t2)) == 0,
	    "no temporary card: its struct untouched");
	is(q_int("SELECT COUNT(*) FROM card"), cards + 1,
	    "no temporary card: one card ordered");
	is(q_int("SELECT COUNT(*) FROM card WHERE type = 9"), n9,
	    "no temporary card: none of type 9");
	is_str(listed(&old), "replace|stolen|0",
	    "blocked then replaced: kept by the replacement");
	is(neu.services, old.services, "the new card: the old one's services");

	/* With a temporary card never handed out: it expires from ordered. */
	if (issue(&old, "9002023458", "Adam", "Mazur", NULL) == -1)
		return;
	apply(&old, KM_EV_PERSONALISE, NULL, NULL, &e);
	apply(&old, KM_EV_ACTIVATE, NULL, NULL, &e);
	km_db_begin(db, &e);
	rv = km_life_replace(db, cfg, &old, "damaged", 1, &neu, &tmp, &e);
	ok(rv == 0 && km_db_commit(db, &e) == 0, "replace again, temporary");
	apply(&neu, KM_EV_PERSONALISE, NULL, NULL, &e);
	apply(&neu, KM_EV_ACTIVATE, NULL, NULL, &e);
	if (km_card_get(db, tmp.id, &got, &e) == 0)
		ok(got.state == KM_ST_EXPIRED && got.listed,
		    "an ordered temporary card expires and is listed too");
	last_event(&tmp, "expire", "ordered", "expired",
	    "replacement collected", neu.number, "ordered temporary expired");
}

int
main(void)
{
	struct km_err e;
	int from, to;

	umask(022);
	test_table();
	test_names();
	test_reasons();

	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	if ((cfg = config()) == NULL) {
		printf("Bail out! cannot make the config\n");
		run("rm -rf %s", dir);
		return 1;
	}
	if (km_db_open(&db, cfg, KM_DB_CREATE, &e) == -1 ||
	    km_db_migrate(db, &from, &to, &e) == -1) {
		printf("Bail out! %s\n", e.msg);
		km_cfg_free(cfg);
		run("rm -rf %s", dir);
		return 1;
	}
	km_db_set_actor(db, "tester");
	km_db_set_now(db, now);
	test_apply();
	test_replace();
	km_db_close(db);
	km_cfg_free(cfg);
	run("rm -rf %s", dir);
	return done();
}
