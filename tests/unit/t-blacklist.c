/*
 * t-blacklist.c -- the hotlist (lib/blacklist.c).  km_bl_add() and
 * km_bl_remove() with the admin and lifecycle sources kept apart; then,
 * in a second store, published versions read back line by line: full
 * lists and deltas, the max_add brake, unknown bases.  Finally
 * km_hotlist_verify() on the published files, on every one-byte change of
 * one, on truncated ones, on files signed here but malformed, and with a
 * public verify key.  Everything lives in a private directory under /tmp.
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

#define T0 1772445600		/* 2026-03-02T10:00:00Z */

static char dir[] = "/tmp/t-blacklist.XXXXXX";
static struct km_cfg *cfg;
static struct km_db *db;
static time_t now = T0;

static int run(const char *fmt, ...) KM_PRINTF(1, 2);

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
	static char buf[4][PATH_MAX];
	static int i;
	char *b = buf[i++ % 4];

	snprintf(b, PATH_MAX, "%s/%s", dir, name);
	return b;
}

/* Writes and loads dir/name: store file store, and the key lines keys. */
static struct km_cfg *
config(const char *name, const char *store, const char *keys)
{
	struct km_cfg *c = NULL;
	struct km_err e;
	FILE *fp;

	if ((fp = fopen(P(name), "w")) == NULL)
		return NULL;
	fprintf(fp, "store:\n  path: %s/%s\n  busy_timeout: 50\n"
	    "roles:\n  admin: [tester]\n  cron: [tester]\n"
	    "cards:\n  iin: \"123456\"\n"
	    "%s"
	    "blacklist:\n  max_add: 3\n", dir, store, keys);
	if (fclose(fp) == EOF)
		return NULL;
	if (km_cfg_load(&c, P(name), &e) == -1) {
		printf("# %s\n", e.msg);
		return NULL;
	}
	return c;
}

static long long q_int(const char *fmt, ...) KM_PRINTF(1, 2);

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

static const char *
q_str(const char *fmt, ...)
{
	static char buf[4][512];
	static int i;
	sqlite3_stmt *st;
	char q[1024], *b = buf[i++ % 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	km_strlcpy(b, "(none)", sizeof(buf[0]));
	if (sqlite3_prepare_v2(km_db_handle(db), q, -1, &st, NULL) !=
	    SQLITE_OK) {
		printf("# %s: %s\n", q, sqlite3_errmsg(km_db_handle(db)));
		return b;
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		km_strlcpy(b, sqlite3_column_type(st, 0) == SQLITE_NULL ?
		    "(null)" : (const char *)sqlite3_column_text(st, 0),
		    sizeof(buf[0]));
	sqlite3_finalize(st);
	return b;
}

static int
open_store(void)
{
	struct km_err e;
	int from, to;

	if (km_db_open(&db, cfg, KM_DB_CREATE, &e) == -1 ||
	    km_db_migrate(db, &from, &to, &e) == -1) {
		printf("# %s\n", e.msg);
		return -1;
	}
	km_db_set_actor(db, "tester");
	km_db_set_now(db, now);
	return 0;
}

static void
tick(void)
{
	now += 60;
	km_db_set_now(db, now);
}

/* Issues n resident cards to new holders; PESELs from a counter. */
static int
issue(struct km_card *c, size_t n)
{
	static const int w[10] = { 1, 3, 7, 9, 1, 3, 7, 9, 1, 3 };
	static int serial = 1000;
	struct km_app a;
	struct km_err e;
	char pes[12];
	size_t k;
	int i, sum;

	for (k = 0; k < n; k++) {
		snprintf(pes, sizeof(pes), "800101%04d", serial++);
		for (i = sum = 0; i < 10; i++)
			sum += (pes[i] - '0') * w[i];
		pes[10] = (char)('0' + (10 - sum % 10) % 10);
		pes[11] = '\0';
		km_app_init(&a);
		if (km_app_set(&a, "type", "resident", &e) == -1 ||
		    km_app_set(&a, "pesel", pes, &e) == -1 ||
		    km_app_set(&a, "first_name", "Jan", &e) == -1 ||
		    km_app_set(&a, "surname", "Kowalski", &e) == -1 ||
		    km_app_set(&a, "street", "ul. Polna 1", &e) == -1 ||
		    km_app_set(&a, "postcode", "90-001", &e) == -1 ||
		    km_app_set(&a, "city", "Lodz", &e) == -1 ||
		    km_app_check(&a, cfg, &e) == -1 ||
		    km_db_begin(db, &e) == -1 ||
		    km_card_issue(db, cfg, &a, &c[k], &e) == -1 ||
		    km_db_commit(db, &e) == -1) {
			printf("# issue: %s\n", e.msg);
			km_db_rollback(db);
			return -1;
		}
	}
	return 0;
}

/* Moves a card in a transaction of its own. */
static int
move(struct km_card *c, int ev, const char *reason)
{
	struct km_err e;

	tick();
	if (km_db_begin(db, &e) == -1)
		return -1;
	if (km_life_apply(db, cfg, c, ev, reason, NULL, &e) == -1) {
		printf("# move: %s\n", e.msg);
		km_db_rollback(db);
		return -1;
	}
	return km_db_commit(db, &e);
}

/* km_bl_add or km_bl_remove (reason NULL and rm set) in a transaction;
 * returns its result with *changed and *e. */
static int
bl(int rm, const char *number, const char *source, const char *reason,
    int *changed, struct km_err *e)
{
	struct km_err e2;
	int rv;

	tick();
	*changed = -1;
	memset(e, 0, sizeof(*e));
	if (km_db_begin(db, e) == -1)
		return -1;
	rv = rm ? km_bl_remove(db, number, source, changed, e) :
	    km_bl_add(db, number, source, reason, changed, e);
	if (rv == -1)
		km_db_rollback(db);
	else if (km_db_commit(db, &e2) == -1) {
		*e = e2;
		return -1;
	}
	return rv;
}

/* The entry as "admin|admin_reason|state_ev|reason", or "(none)". */
static const char *
entry(const char *number)
{
	return q_str("SELECT admin || '|' || COALESCE(admin_reason, '-') ||"
	    " '|' || COALESCE(state_ev, '-') || '|' || COALESCE(reason, '-')"
	    " FROM hotlist WHERE number = '%s'", number);
}

static long long
nevents(void)
{
	return q_int("SELECT COUNT(*) FROM hotlist_event");
}

static long long
naudit(void)
{
	return q_int("SELECT COUNT(*) FROM audit");
}

static void
test_add_remove(void)
{
	struct km_card c[5];
	struct km_bl_entry *list;
	struct km_err e;
	char want[256], at[KM_TIME_BUFSZ], longr[KM_NAMESZ + 1];
	long long ev, au;
	size_t n;
	int changed;

	if (issue(c, 5) == -1) {
		ok(0, "add/remove: cards");
		return;
	}
	move(&c[1], KM_EV_PERSONALISE, NULL);
	move(&c[1], KM_EV_ACTIVATE, NULL);
	move(&c[2], KM_EV_PERSONALISE, NULL);
	move(&c[2], KM_EV_ACTIVATE, NULL);
	move(&c[3], KM_EV_PERSONALISE, NULL);

	/* An admin lists a card, then lists it again: a no-op. */
	ev = nevents();
	au = naudit();
	is(bl(0, c[0].number, "admin", "fraud suspected", &changed, &e), 0,
	    "admin add: done");
	is(changed, 1, "admin add: changed");
	is_str(entry(c[0].number), "1|fraud suspected|-|-",
	    "admin add: admin entry, no lifecycle event");
	km_time_iso(now, at);
	is_str(q_str("SELECT since || ' ' || actor FROM hotlist WHERE"
	    " number = '%s'", c[0].number), q_str("SELECT '%s tester'", at),
	    "admin add: since now, by the actor");
	is(nevents(), ev + 1, "admin add: one hotlist event");
	is_str(q_str("SELECT op FROM hotlist_event ORDER BY seq DESC LIMIT 1"),
	    "+", "admin add: the event is +");
	is(naudit(), au + 1, "admin add: one audit row");
	is_str(q_str("SELECT action || '|' || subject || '|' || detail FROM"
	    " audit ORDER BY seq DESC LIMIT 1"), q_str("SELECT 'hotlist.add|%s|"
	    "source=admin reason=fraud suspected'", c[0].number),
	    "admin add: the audit row");
	ev = nevents();
	au = naudit();
	is(bl(0, c[0].number, "admin", "another reason", &changed, &e), 0,
	    "admin add again: succeeds");
	is(changed, 0, "admin add again: nothing changed");
	ok(nevents() == ev && naudit() == au, "admin add again: no event, "
	    "no audit row");
	is_str(entry(c[0].number), "1|fraud suspected|-|-",
	    "admin add again: entry as it was");

	/* An admin takes it off; again is a no-op. */
	is(bl(1, c[0].number, "admin", NULL, &changed, &e), 0,
	    "admin remove: done");
	is(changed, 1, "admin remove: changed");
	is_str(entry(c[0].number), "(none)", "admin remove: off the list");
	is_str(q_str("SELECT op FROM hotlist_event ORDER BY seq DESC LIMIT 1"),
	    "-", "admin remove: the event is -");
	is_str(q_str("SELECT action || '|' || detail FROM audit ORDER BY seq"
	    " DESC LIMIT 1"), "hotlist.remove|source=admin",
	    "admin remove: audited");
	ev = nevents();
	au = naudit();
	ok(bl(1, c[0].number, "admin", NULL, &changed, &e) == 0 &&
	    changed == 0 && nevents() == ev && naudit() == au,
	    "admin remove of an unlisted card: a no-op");
	ok(bl(1, c[0].number, "suspend", NULL, &changed, &e) == 0 &&
	    changed == 0, "lifecycle remove of an unlisted card: a no-op");

	/* Unknown cards and long reasons. */
	ok(bl(0, "1234561999999995", "admin", NULL, &changed, &e) == -1 &&
	    e.eclass == KM_ENOTFOUND &&
	    strcmp(e.msg, "no card '1234561999999995'") == 0,
	    "admin add of an unknown card: KM_ENOTFOUND");
	is(nevents(), ev, "unknown card: no event");
	memset(longr, 'r', sizeof(longr) - 1);
	longr[sizeof(longr) - 1] = '\0';
	ok(bl(0, c[0].number, "admin", longr, &changed, &e) == -1 &&
	    e.eclass == KM_EDATA &&
	    strcmp(e.msg, "reason: longer than 64 bytes") == 0,
	    "admin add with a 65-byte reason: refused");
	is_str(entry(c[0].number), "(none)", "long reason: not listed");

	/* A lifecycle listing over an admin one, and the refusals. */
	bl(0, c[1].number, "admin", "checking", &changed, &e);
	ev = nevents();
	is(move(&c[1], KM_EV_SUSPEND, "mislaid"), 0, "suspend an admin-listed "
	    "card");
	is_str(entry(c[1].number), "1|checking|suspend|mislaid",
	    "suspend over admin: both kept, each with its reason");
	is(nevents(), ev, "suspend over admin: the list did not change");
	snprintf(want, sizeof(want), "card '%s' is listed because of its state "
	    "(suspend): change the card's state instead", c[1].number);
	ok(bl(1, c[1].number, "admin", NULL, &changed, &e) == -1 &&
	    e.eclass == KM_EDATA, "admin remove of a suspended card: refused");
	is_str(e.msg, want, "admin remove refused: message");
	is_str(entry(c[1].number), "1|checking|suspend|mislaid",
	    "admin remove refused: entry kept");
	is(move(&c[1], KM_EV_RESUME, NULL), 0, "resume the card");
	is_str(entry(c[1].number), "1|checking|-|-",
	    "resume: the admin's listing stays, the suspension's goes");
	ok(c[1].listed, "resume: the card still listed");
	is(nevents(), ev, "resume over admin: no hotlist event");
	ok(bl(1, c[1].number, "admin", NULL, &changed, &e) == 0 && changed == 1,
	    "after resume the admin can take it off");
	is_str(entry(c[1].number), "(none)", "admin remove: gone");

	/* An admin listing over a lifecycle one. */
	move(&c[2], KM_EV_SUSPEND, "mislaid");
	ev = nevents();
	ok(bl(0, c[2].number, "admin", "also", &changed, &e) == 0 &&
	    changed == 0, "admin add of a suspended card: no change");
	is_str(entry(c[2].number), "1|also|suspend|mislaid",
	    "admin add over suspend: admin marked, lifecycle kept");
	is(nevents(), ev, "admin add over suspend: no event");
	is_str(q_str("SELECT action || '|' || subject || '|' || detail FROM"
	    " audit ORDER BY seq DESC LIMIT 1"), q_str("SELECT 'hotlist.admin|"
	    "%s|source=admin reason=also'", c[2].number),
	    "admin add over suspend: audited as hotlist.admin");
	move(&c[2], KM_EV_RESUME, NULL);
	is_str(entry(c[2].number), "1|also|-|-",
	    "resume after admin add: still listed by the admin");
	move(&c[2], KM_EV_SUSPEND, "again");
	is_str(entry(c[2].number), "1|also|suspend|again",
	    "suspended again: lifecycle back over the admin");
	move(&c[2], KM_EV_RESUME, NULL);
	bl(1, c[2].number, "admin", NULL, &changed, &e);
	is_str(entry(c[2].number), "(none)", "then the admin takes it off");

	/* A lifecycle remove that is not the keeping event: nothing. */
	move(&c[3], KM_EV_BLOCK, "stolen");
	ok(bl(1, c[3].number, "suspend", NULL, &changed, &e) == 0 &&
	    changed == 0, "remove 'suspend' from a blocked card: no-op");
	is_str(entry(c[3].number), "0|-|block|stolen", "blocked: still listed");
	snprintf(want, sizeof(want), "card '%s' is listed because of its state "
	    "(block): change the card's state instead", c[3].number);
	ok(bl(1, c[3].number, "admin", NULL, &changed, &e) == -1 &&
	    strcmp(e.msg, want) == 0, "admin remove of a blocked card: "
	    "refused");
	/* A plain lifecycle listing taken off by its own event. */
	ok(bl(0, c[4].number, "suspend", "test", &changed, &e) == 0 &&
	    changed == 1, "lifecycle add: listed");
	is_str(entry(c[4].number), "0|-|suspend|test", "lifecycle add: entry");
	ok(bl(1, c[4].number, "suspend", NULL, &changed, &e) == 0 &&
	    changed == 1, "lifecycle remove by its event: taken off");
	is_str(entry(c[4].number), "(none)", "lifecycle remove: gone");
	bl(0, c[0].number, "admin", NULL, &changed, &e);

	/* The list as the library reads it: sorted, sources named. */
	if (km_bl_list(db, &list, &n, &e) == 0) {
		is(n, 2, "list: two entries");
		if (n == 2) {
			ok(strcmp(list[0].number, c[0].number) == 0 &&
			    strcmp(list[1].number, c[3].number) == 0,
			    "list: sorted by number");
			ok(strcmp(list[0].source, "admin") == 0 &&
			    list[0].admin == 1 && list[0].reason[0] == '\0',
			    "list: an admin entry");
			ok(strcmp(list[1].source, "block") == 0 &&
			    list[1].admin == 0 &&
			    strcmp(list[1].reason, "stolen") == 0 &&
			    strcmp(list[1].actor, "tester") == 0,
			    "list: a lifecycle entry");
		}
		free(list);
	} else
		ok(0, "list: %s", e.msg);
}

/* ---- publishing ---- */

/* A published file, split into lines. */
struct pub {
	char	*buf;
	size_t	 len;
	char	*line[64];
	size_t	 nline;
	char	 copy[8192];
};

/* Publishes (base, force) into *p; returns the library's result. */
static int
publish(long long base, int force, struct pub *p, struct km_hotlist *hl,
    struct km_err *e)
{
	struct km_err e2;
	FILE *fp;
	char *s;
	int rv;

	tick();
	memset(p, 0, sizeof(*p));
	memset(e, 0, sizeof(*e));
	if ((fp = open_memstream(&p->buf, &p->len)) == NULL)
		return -2;
	if (km_db_begin(db, e) == -1) {
		fclose(fp);
		free(p->buf);
		p->buf = NULL;
		return -1;
	}
	rv = km_hotlist_publish(db, cfg, base, force, fp, hl, e);
	if (rv == -1)
		km_db_rollback(db);
	else if (km_db_commit(db, &e2) == -1) {
		*e = e2;
		rv = -1;
	}
	fclose(fp);
	km_strlcpy(p->copy, p->buf, sizeof(p->copy));
	for (s = strtok(p->copy, "\n"); s != NULL && p->nline < 64;
	    s = strtok(NULL, "\n"))
		p->line[p->nline++] = s;
	return rv;
}

static void
pub_free(struct pub *p)
{
	free(p->buf);
	p->buf = NULL;
}

/* Checks the header lines of p. */
static void
header_is(const struct pub *p, long long version, const char *type,
    size_t count, const char *what)
{
	char want[64], at[KM_TIME_BUFSZ];

	ok(p->nline >= 6 && strcmp(p->line[0], "KM-HOTLIST 1") == 0,
	    "%s: magic line", what);
	if (p->nline < 6)
		return;
	snprintf(want, sizeof(want), "version %lld", version);
	is_str(p->line[1], want, "%s: version line", what);
	is_str(p->line[2], type, "%s: type line", what);
	km_time_iso(now, at);
	snprintf(want, sizeof(want), "created %s", at);
	is_str(p->line[3], want, "%s: created line", what);
	snprintf(want, sizeof(want), "count %zu", count);
	is_str(p->line[4], want, "%s: count line", what);
	is(p->nline, 6 + count, "%s: %zu records between header and "
	    "signature", what, count);
	ok(strncmp(p->line[p->nline - 1], "signature sha256 ", 17) == 0 &&
	    strlen(p->line[p->nline - 1]) > 17 + 60 &&
	    strspn(p->line[p->nline - 1] + 17, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789+/=") ==
	    strlen(p->line[p->nline - 1] + 17), "%s: signature line", what);
	ok(p->len > 0 && p->buf[p->len - 1] == '\n',
	    "%s: ends in a newline", what);
}

/* Checks record i (0-based) of p. */
static void
record_is(const struct pub *p, size_t i, const char *number, char op,
    const char *what)
{
	char want[32];

	snprintf(want, sizeof(want), "%s %c", number, op);
	if (5 + i < p->nline)
		is_str(p->line[5 + i], want, "%s: record %zu", what, i + 1);
	else
		ok(0, "%s: record %zu missing", what, i + 1);
}

static int
save(const char *name, const struct pub *p)
{
	FILE *fp;
	int rc;

	if ((fp = fopen(P(name), "w")) == NULL)
		return -1;
	rc = fwrite(p->buf, 1, p->len, fp) == p->len ? 0 : -1;
	if (fclose(fp) == EOF)
		rc = -1;
	return rc;
}

static struct km_card pc[10];
static struct pub f1, f2, f3, f6;

static void
test_publish(void)
{
	struct km_hotlist hl;
	struct km_err e;
	struct pub p;
	char sha[65], want[512], at[KM_TIME_BUFSZ], *sig;
	long long versions, au;
	int changed, rv, i;

	if (issue(pc, 10) == -1) {
		ok(0, "publish: cards");
		return;
	}
	for (i = 1, rv = 1; i < 10; i++)
		if (strcmp(pc[i - 1].number, pc[i].number) >= 0)
			rv = 0;
	ok(rv, "publish: ten cards, numbered in order");

	/* v1: an empty full list. */
	rv = publish(0, 0, &f1, &hl, &e);
	if (!ok(rv == 0, "v1: published"))
		printf("#   %s\n", e.msg);
	header_is(&f1, 1, "type full", 0, "v1");
	ok(hl.version == 1 && hl.base == 0 && hl.count == 0 && hl.adds == 0 &&
	    hl.removes == 0 && hl.created == now, "v1: struct filled");

	/* v2: three added at once is max_add, allowed. */
	bl(0, pc[3].number, "admin", NULL, &changed, &e);
	bl(0, pc[1].number, "admin", "x", &changed, &e);
	bl(0, pc[2].number, "suspend", NULL, &changed, &e);
	au = naudit();
	rv = publish(0, 0, &f2, &hl, &e);
	if (!ok(rv == 0, "v2: three new entries, max_add 3: published"))
		printf("#   %s\n", e.msg);
	header_is(&f2, 2, "type full", 3, "v2");
	record_is(&f2, 0, pc[1].number, '+', "v2");
	record_is(&f2, 1, pc[2].number, '+', "v2");
	record_is(&f2, 2, pc[3].number, '+', "v2");
	ok(hl.version == 2 && hl.base == 0 && hl.count == 3 && hl.adds == 3 &&
	    hl.removes == 0 && hl.created == now, "v2: struct filled");
	sig = f2.buf != NULL ? strstr(f2.buf, "signature sha256 ") : NULL;
	if (sig != NULL)
		km_sha256_hex(f2.buf, (size_t)(sig - f2.buf), sha);
	else
		sha[0] = '\0';
	km_time_iso(now, at);
	is_str(q_str("SELECT COALESCE(base, 'full') || '|' || seq || '|' ||"
	    " created_at || '|' || count || '|' || adds || '|' || removes ||"
	    " '|' || sha256 || '|' || actor FROM hotlist_version WHERE"
	    " version = 2"), q_str("SELECT 'full|%lld|%s|3|3|0|%s|tester'",
	    q_int("SELECT MAX(seq) FROM hotlist_event"), at, sha),
	    "v2: its version row, with the SHA-256 of the signed part");
	is(naudit(), au + 1, "v2: one audit row");
	snprintf(want, sizeof(want), "v2|full count=3 new=3 gone=0 sha256=%s",
	    sha);
	is_str(q_str("SELECT subject || '|' || detail FROM audit WHERE"
	    " action = 'hotlist.publish' ORDER BY seq DESC LIMIT 1"), want,
	    "v2: audited with its hash");

	/* v3: a delta against v2. */
	bl(1, pc[2].number, "suspend", NULL, &changed, &e);
	bl(0, pc[5].number, "admin", NULL, &changed, &e);
	bl(0, pc[4].number, "admin", NULL, &changed, &e);
	rv = publish(2, 0, &f3, &hl, &e);
	if (!ok(rv == 0, "v3: delta published"))
		printf("#   %s\n", e.msg);
	header_is(&f3, 3, "type delta 2", 3, "v3");
	record_is(&f3, 0, pc[2].number, '-', "v3");
	record_is(&f3, 1, pc[4].number, '+', "v3");
	record_is(&f3, 2, pc[5].number, '+', "v3");
	ok(hl.version == 3 && hl.base == 2 && hl.count == 3 && hl.adds == 2 &&
	    hl.removes == 1, "v3: struct filled");
	is_str(q_str("SELECT base || '|' || count || '|' || adds || '|' ||"
	    " removes FROM hotlist_version WHERE version = 3"), "2|3|2|1",
	    "v3: version row");

	/* Four new entries since v3: refused unless forced. */
	for (i = 6; i < 10; i++)
		bl(0, pc[i].number, "admin", NULL, &changed, &e);
	versions = q_int("SELECT COUNT(*) FROM hotlist_version");
	au = naudit();
	rv = publish(0, 0, &p, &hl, &e);
	is(rv, -1, "v4 unforced: refused");
	is(e.eclass, KM_EDATA, "v4 unforced: KM_EDATA");
	is_str(e.msg, "version 4 would add 4 cards at once, more than "
	    "blacklist.max_add (3): check the list, or force it",
	    "v4 unforced: message");
	ok(p.len == 0, "v4 unforced: nothing written");
	ok(q_int("SELECT COUNT(*) FROM hotlist_version") == versions &&
	    naudit() == au, "v4 unforced: no version, no audit row");
	pub_free(&p);
	rv = publish(3, 0, &p, &hl, &e);
	ok(rv == -1 && e.eclass == KM_EDATA,
	    "v4 unforced delta: refused too");
	pub_free(&p);
	rv = publish(0, 1, &p, &hl, &e);
	if (!ok(rv == 0, "v4 forced: published"))
		printf("#   %s\n", e.msg);
	header_is(&p, 4, "type full", 8, "v4");
	record_is(&p, 0, pc[1].number, '+', "v4");
	record_is(&p, 1, pc[3].number, '+', "v4");
	for (i = 4; i < 10; i++)
		record_is(&p, (size_t)i - 2, pc[i].number, '+', "v4");
	is_str(q_str("SELECT count || '|' || adds || '|' || removes FROM"
	    " hotlist_version WHERE version = 4"), "8|4|0", "v4: version row");
	pub_free(&p);

	/* v5: changes that cancel out leave an empty delta. */
	bl(0, pc[2].number, "admin", NULL, &changed, &e);
	bl(1, pc[2].number, "admin", NULL, &changed, &e);
	bl(1, pc[1].number, "admin", NULL, &changed, &e);
	bl(0, pc[1].number, "admin", NULL, &changed, &e);
	rv = publish(4, 0, &p, &hl, &e);
	ok(rv == 0, "v5: published");
	header_is(&p, 5, "type delta 4", 0, "v5 (changes cancel out)");
	ok(hl.count == 0 && hl.adds == 0 && hl.removes == 0,
	    "v5: nothing in it");
	pub_free(&p);

	/* v6: a delta against an older version gathers everything since. */
	bl(1, pc[9].number, "admin", NULL, &changed, &e);
	rv = publish(2, 0, &f6, &hl, &e);
	ok(rv == 0, "v6: delta against v2 published");
	header_is(&f6, 6, "type delta 2", 6, "v6");
	record_is(&f6, 0, pc[2].number, '-', "v6");
	for (i = 4; i < 9; i++)
		record_is(&f6, (size_t)i - 3, pc[i].number, '+', "v6");
	ok(hl.adds == 5 && hl.removes == 1, "v6: 5 adds and 1 remove");
	is_str(q_str("SELECT count || '|' || adds || '|' || removes FROM"
	    " hotlist_version WHERE version = 6"), "6|0|1",
	    "v6: version row counts changes since v5");

	/* A delta against a version that does not exist. */
	versions = q_int("SELECT COUNT(*) FROM hotlist_version");
	rv = publish(99, 0, &p, &hl, &e);
	ok(rv == -1 && e.eclass == KM_ENOTFOUND,
	    "delta against v99: KM_ENOTFOUND");
	is_str(e.msg, "no hotlist version 99 to make a delta against",
	    "delta against v99: message");
	ok(p.len == 0 && q_int("SELECT COUNT(*) FROM hotlist_version") ==
	    versions, "delta against v99: nothing written or recorded");
	pub_free(&p);
	rv = publish(7, 0, &p, &hl, &e);
	ok(rv == -1 && e.eclass == KM_ENOTFOUND,
	    "delta against the next version: KM_ENOTFOUND");
	pub_free(&p);
}

static void
test_nosigner(void)
{
	struct km_cfg *nokey;
	struct km_hotlist hl;
	struct km_err e;
	char *buf = NULL;
	size_t len = 0;
	FILE *fp;
	char want[PATH_MAX + 64];

	if ((nokey = config("nokey.yaml", "pub.db", "")) == NULL) {
		ok(0, "config without keys");
		return;
	}
	fp = open_memstream(&buf, &len);
	km_db_begin(db, &e);
	memset(&e, 0, sizeof(e));
	ok(km_hotlist_publish(db, nokey, 0, 1, fp, &hl, &e) == -1 &&
	    e.eclass == KM_EDATA, "publish without a signer: refused");
	snprintf(want, sizeof(want), "keys.hotlist_signer is not set in '%s'",
	    P("nokey.yaml"));
	is_str(e.msg, want, "publish without a signer: message");
	km_db_rollback(db);
	fclose(fp);
	ok(len == 0, "publish without a signer: nothing written");
	free(buf);

	snprintf(want, sizeof(want), "neither keys.hotlist_verify nor "
	    "keys.hotlist_signer is set in '%s'", P("nokey.yaml"));
	ok(km_hotlist_verify(nokey, P("v2.hl"), &hl, &e) == -1 &&
	    e.eclass == KM_EDATA && strcmp(e.msg, want) == 0,
	    "verify without any key: refused");
	km_cfg_free(nokey);
}

/* ---- verifying ---- */

/* Verifies file name with c; 0 or -1, with *e. */
static int
verify(const struct km_cfg *c, const char *name, struct km_hotlist *hl,
    struct km_err *e)
{
	memset(e, 0, sizeof(*e));
	memset(hl, 0x5a, sizeof(*hl));
	return km_hotlist_verify(c, P(name), hl, e);
}

/* Writes n bytes of p as dir/name. */
static int
write_bytes(const char *name, const char *p, size_t n)
{
	FILE *fp;
	int rc;

	if ((fp = fopen(P(name), "w")) == NULL)
		return -1;
	rc = fwrite(p, 1, n, fp) == n ? 0 : -1;
	if (fclose(fp) == EOF)
		rc = -1;
	return rc;
}

/* Signs body with the configured key and writes it as dir/name. */
static int
signed_file(const char *name, const char *body)
{
	struct km_key *k;
	struct km_err e;
	unsigned char *sig;
	size_t siglen;
	char *b64, buf[4096];
	int rc = -1;

	if (km_key_load(&k, cfg->keys.hotlist_signer, &e) == -1)
		return -1;
	if (km_key_sign(k, body, strlen(body), &sig, &siglen, &e) == 0) {
		if (km_b64_encode(sig, siglen, &b64, &e) == 0) {
			snprintf(buf, sizeof(buf), "%ssignature sha256 %s\n",
			    body, b64);
			rc = write_bytes(name, buf, strlen(buf));
			free(b64);
		}
		free(sig);
	}
	km_key_free(k);
	return rc;
}

static void
test_verify(void)
{
	struct km_cfg *pubcfg, *wrongcfg;
	struct km_hotlist hl;
	struct km_err e;
	char *copy, keys[3 * PATH_MAX], want[PATH_MAX + 128];
	const char *sig;
	size_t i, body, bad, len;
	char body2[512];
	static const struct {
		const char *what, *body;
	} malformed[] = {
		{ "unsorted records", "KM-HOTLIST 1\nversion 9\ntype full\n"
		    "created 2026-03-02T10:00:00Z\ncount 2\n"
		    "1234561000000022 +\n1234561000000014 +\n" },
		{ "a record twice", "KM-HOTLIST 1\nversion 9\ntype full\n"
		    "created 2026-03-02T10:00:00Z\ncount 2\n"
		    "1234561000000014 +\n1234561000000014 +\n" },
		{ "count too high", "KM-HOTLIST 1\nversion 9\ntype full\n"
		    "created 2026-03-02T10:00:00Z\ncount 3\n"
		    "1234561000000014 +\n1234561000000022 +\n" },
		{ "count too low", "KM-HOTLIST 1\nversion 9\ntype full\n"
		    "created 2026-03-02T10:00:00Z\ncount 1\n"
		    "1234561000000014 +\n1234561000000022 +\n" },
		{ "a '-' in a full list", "KM-HOTLIST 1\nversion 9\ntype full\n"
		    "created 2026-03-02T10:00:00Z\ncount 1\n"
		    "1234561000000014 -\n" },
		{ "another op", "KM-HOTLIST 1\nversion 9\ntype delta 8\n"
		    "created 2026-03-02T10:00:00Z\ncount 1\n"
		    "1234561000000014 *\n" },
		{ "a 15-digit number", "KM-HOTLIST 1\nversion 9\ntype full\n"
		    "created 2026-03-02T10:00:00Z\ncount 1\n"
		    "123456100000001 +\n" },
		{ "a letter in a number", "KM-HOTLIST 1\nversion 9\ntype full\n"
		    "created 2026-03-02T10:00:00Z\ncount 1\n"
		    "12345610000000a4 +\n" },
		{ "delta base not below the version", "KM-HOTLIST 1\n"
		    "version 9\ntype delta 9\ncreated 2026-03-02T10:00:00Z\n"
		    "count 0\n" },
		{ "delta base 0", "KM-HOTLIST 1\nversion 9\ntype delta 0\n"
		    "created 2026-03-02T10:00:00Z\ncount 0\n" },
		{ "another magic", "KM-HOTLIST 2\nversion 9\ntype full\n"
		    "created 2026-03-02T10:00:00Z\ncount 0\n" },
		{ "no version", "KM-HOTLIST 1\ntype full\n"
		    "created 2026-03-02T10:00:00Z\ncount 0\n" },
		{ "negative version", "KM-HOTLIST 1\nversion -9\ntype full\n"
		    "created 2026-03-02T10:00:00Z\ncount 0\n" },
		{ "another type", "KM-HOTLIST 1\nversion 9\ntype partial\n"
		    "created 2026-03-02T10:00:00Z\ncount 0\n" },
		{ "a bad date", "KM-HOTLIST 1\nversion 9\ntype full\n"
		    "created 2026-02-30T10:00:00Z\ncount 0\n" },
		{ "a local time", "KM-HOTLIST 1\nversion 9\ntype full\n"
		    "created 2026-03-02 10:00:00\ncount 0\n" },
		{ "no count", "KM-HOTLIST 1\nversion 9\ntype full\n"
		    "created 2026-03-02T10:00:00Z\n" },
		{ "CRLF lines", "KM-HOTLIST 1\r\nversion 9\r\ntype full\r\n"
		    "created 2026-03-02T10:00:00Z\r\ncount 0\r\n" },
	};

	/* The published files verify, and say what they are. */
	if (save("v1.hl", &f1) == -1 || save("v2.hl", &f2) == -1 ||
	    save("v3.hl", &f3) == -1 || save("v6.hl", &f6) == -1) {
		ok(0, "verify: files written");
		return;
	}
	is(verify(cfg, "v2.hl", &hl, &e), 0, "verify v2: good");
	if (e.msg[0] != '\0')
		printf("#   %s\n", e.msg);
	ok(hl.version == 2 && hl.base == 0 && hl.count == 3 && hl.adds == 3 &&
	    hl.removes == 0, "verify v2: header read");
	ok(verify(cfg, "v1.hl", &hl, &e) == 0 && hl.version == 1 &&
	    hl.count == 0, "verify v1: an empty list is good");
	ok(verify(cfg, "v3.hl", &hl, &e) == 0 && hl.version == 3 &&
	    hl.base == 2 && hl.count == 3 && hl.adds == 2 && hl.removes == 1,
	    "verify v3: a delta");
	ok(verify(cfg, "v6.hl", &hl, &e) == 0 && hl.version == 6 &&
	    hl.base == 2 && hl.count == 6 && hl.adds == 5 && hl.removes == 1,
	    "verify v6: a delta against an older version");

	/* openssl agrees with the signature, as blacklist.c promises. */
	is(run("cd %s && head -n -1 v2.hl > v2.body && tail -n 1 v2.hl | "
	    "cut -d' ' -f3 | openssl base64 -d -A > v2.sig && "
	    "openssl pkey -in %s -pubout -out hotlist.pub 2>/dev/null && "
	    "openssl dgst -sha256 -verify hotlist.pub -signature v2.sig "
	    "v2.body >/dev/null 2>&1", dir, cfg->keys.hotlist_signer), 0,
	    "openssl dgst -verify accepts v2");

	/* Every byte of the signed part, changed, is caught. */
	sig = strstr(f2.buf, "signature sha256 ");
	body = sig != NULL ? (size_t)(sig - f2.buf) : 0;
	len = f2.len;
	if ((copy = malloc(len)) == NULL)
		return;
	for (i = bad = 0; i < body; i++) {
		memcpy(copy, f2.buf, len);
		copy[i] ^= 0x01;
		write_bytes("flip.hl", copy, len);
		if (verify(cfg, "flip.hl", &hl, &e) == -1 &&
		    e.eclass == KM_EDATA)
			bad++;
	}
	ok(body > 100 && bad == body, "flip: each of the %zu signed bytes "
	    "changed is refused (%zu were)", body, bad);
	memcpy(copy, f2.buf, len);
	copy[body + 17 + 20] = copy[body + 17 + 20] == 'A' ? 'B' : 'A';
	write_bytes("flip.hl", copy, len);
	ok(verify(cfg, "flip.hl", &hl, &e) == -1 && e.eclass == KM_EDATA,
	    "flip: a changed signature character is refused");
	snprintf(want, sizeof(want), "hotlist '%s': ", P("flip.hl"));
	ok(strncmp(e.msg, want, strlen(want)) == 0,
	    "flip: the message names the file (%s)", e.msg);
	memcpy(copy, f2.buf, len);
	copy[body - 2] = '-';		/* the last record's op */
	write_bytes("flip.hl", copy, len);
	ok(verify(cfg, "flip.hl", &hl, &e) == -1, "flip: + to - refused");

	/* Truncated files. */
	write_bytes("cut.hl", f2.buf, len - 1);
	snprintf(want, sizeof(want), "hotlist '%s': not a hotlist", P("cut.hl"));
	ok(verify(cfg, "cut.hl", &hl, &e) == -1 && e.eclass == KM_EDATA &&
	    strcmp(e.msg, want) == 0, "cut: the last newline missing");
	write_bytes("cut.hl", f2.buf, len - 10);
	ok(verify(cfg, "cut.hl", &hl, &e) == -1 && e.eclass == KM_EDATA,
	    "cut: within the signature");
	write_bytes("cut.hl", f2.buf, body);
	snprintf(want, sizeof(want), "hotlist '%s': no signature", P("cut.hl"));
	ok(verify(cfg, "cut.hl", &hl, &e) == -1 && e.eclass == KM_EDATA &&
	    strcmp(e.msg, want) == 0, "cut: the signature line gone");
	write_bytes("cut.hl", f2.buf, body - 19);
	ok(verify(cfg, "cut.hl", &hl, &e) == -1 && e.eclass == KM_EDATA,
	    "cut: the last record and the signature gone");
	write_bytes("cut.hl", f2.buf, len / 2);
	ok(verify(cfg, "cut.hl", &hl, &e) == -1 && e.eclass == KM_EDATA,
	    "cut: half the file");
	write_bytes("cut.hl", "", 0);
	snprintf(want, sizeof(want), "hotlist '%s': bad size", P("cut.hl"));
	ok(verify(cfg, "cut.hl", &hl, &e) == -1 && e.eclass == KM_EDATA &&
	    strcmp(e.msg, want) == 0, "cut: an empty file");
	/* Records cut out, signature kept. */
	memcpy(copy, f2.buf, len);
	memmove(copy + body - 19, copy + body, len - body);
	write_bytes("cut.hl", copy, len - 19);
	ok(verify(cfg, "cut.hl", &hl, &e) == -1 && e.eclass == KM_EDATA,
	    "cut: a record taken out before the signature");
	/* Something after the signature. */
	memcpy(copy, f2.buf, len);
	write_bytes("cut.hl", copy, len);
	run("printf '1234561000000014 +\\n' >> %s", P("cut.hl"));
	ok(verify(cfg, "cut.hl", &hl, &e) == -1 && e.eclass == KM_EDATA,
	    "extra: a record after the signature");
	/* A NUL byte in the file. */
	memcpy(copy, f2.buf, len);
	copy[20] = '\0';
	write_bytes("cut.hl", copy, len);
	ok(verify(cfg, "cut.hl", &hl, &e) == -1 && e.eclass == KM_EDATA,
	    "a NUL byte refused");
	free(copy);
	snprintf(want, sizeof(want), "cannot read hotlist '%s': No such file "
	    "or directory", P("none.hl"));
	ok(verify(cfg, "none.hl", &hl, &e) == -1 && e.eclass == KM_EDATA &&
	    strcmp(e.msg, want) == 0, "a missing file: refused");

	/* Signed here but malformed: the signature alone is not enough. */
	snprintf(body2, sizeof(body2), "KM-HOTLIST 1\nversion 9\ntype delta 8"
	    "\ncreated 2026-03-02T10:00:00Z\ncount 2\n1234561000000014 -\n"
	    "1234561000000022 +\n");
	ok(signed_file("self.hl", body2) == 0 &&
	    verify(cfg, "self.hl", &hl, &e) == 0 && hl.version == 9 &&
	    hl.base == 8 && hl.count == 2 && hl.adds == 1 && hl.removes == 1 &&
	    hl.created == T0, "a well-formed file signed here verifies");
	for (i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
		snprintf(want, sizeof(want), "hotlist '%s': malformed at byte ",
		    P("self.hl"));
		if (signed_file("self.hl", malformed[i].body) == -1) {
			ok(0, "malformed: %s: signed", malformed[i].what);
			continue;
		}
		ok(verify(cfg, "self.hl", &hl, &e) == -1 &&
		    e.eclass == KM_EDATA &&
		    strncmp(e.msg, want, strlen(want)) == 0,
		    "malformed: %s refused", malformed[i].what);
	}

	/* A public verify key alone does it; another key does not. */
	snprintf(keys, sizeof(keys), "keys:\n  hotlist_verify: %s\n",
	    P("hotlist.pub"));
	if ((pubcfg = config("pub.yaml", "pub.db", keys)) == NULL) {
		ok(0, "config with a public key");
		return;
	}
	ok(pubcfg->keys.hotlist_signer == NULL &&
	    verify(pubcfg, "v2.hl", &hl, &e) == 0 && hl.version == 2,
	    "verify with keys.hotlist_verify only");
	write_bytes("flip.hl", f2.buf, f2.len);
	run("sed -i 's/^version 2$/version 3/' %s", P("flip.hl"));
	ok(verify(pubcfg, "flip.hl", &hl, &e) == -1 && e.eclass == KM_EDATA,
	    "public key: a changed version refused");
	km_cfg_free(pubcfg);

	if (run("openssl genpkey -algorithm EC -pkeyopt "
	    "ec_paramgen_curve:P-256 2>/dev/null | openssl pkey -pubout "
	    "-out %s 2>/dev/null", P("other.pub")) != 0) {
		ok(0, "another key made");
		return;
	}
	snprintf(keys, sizeof(keys), "keys:\n  hotlist_signer: %s\n"
	    "  hotlist_verify: %s\n", P("hotlist.pem"), P("other.pub"));
	if ((wrongcfg = config("wrong.yaml", "pub.db", keys)) == NULL) {
		ok(0, "config with another public key");
		return;
	}
	ok(verify(wrongcfg, "v2.hl", &hl, &e) == -1 && e.eclass == KM_EDATA,
	    "another public key: refused (the verify key wins over the "
	    "signer)");
	km_cfg_free(wrongcfg);
}

int
main(void)
{
	char keys[2 * PATH_MAX];

	umask(022);
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(keys, sizeof(keys), "keys:\n  hotlist_signer: %s\n",
	    P("hotlist.pem"));
	if (run("openssl genpkey -algorithm EC -pkeyopt "
	    "ec_paramgen_curve:P-256 -out %s 2>/dev/null",
	    P("hotlist.pem")) != 0 || chmod(P("hotlist.pem"), 0600) == -1 ||
	    (cfg = config("km.yaml", "km.db", keys)) == NULL ||
	    open_store() == -1) {
		printf("Bail out! cannot make the store\n");
		run("rm -rf %s", dir);
		return 1;
	}
	test_add_remove();
	km_db_close(db);
	km_cfg_free(cfg);

	/* A second store for the published versions. */
	if ((cfg = config("pubstore.yaml", "pub.db", keys)) == NULL ||
	    open_store() == -1) {
		printf("Bail out! cannot make the second store\n");
		run("rm -rf %s", dir);
		return 1;
	}
	test_publish();
	test_nosigner();
	test_verify();
	pub_free(&f1);
	pub_free(&f2);
	pub_free(&f3);
	pub_free(&f6);
	km_db_close(db);
	km_cfg_free(cfg);
	run("rm -rf %s", dir);
	return done();
}
