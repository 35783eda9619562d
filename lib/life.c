/*
 * life.c -- the card lifecycle.  One table says which event may move a
 * card from which state to which; every program that changes a card's
 * state goes through km_life_apply(), which consults it, records the event
 * with its reason and operator, writes the audit row and keeps the hotlist
 * in step: a suspended, blocked, replaced or revoked card is listed; a
 * resumed or expired one is taken off (an expired chip's own date stops
 * it); and a temporary card is listed when the card it stood in for is
 * collected, as its chip's date is still good.  The card's certificates
 * follow in the same transaction (km_ca_card_event(), lib/ca.c).
 *
 *	ordered ──personalise──▶ personalised ──activate──▶ active
 *	active ──suspend──▶ suspended ──resume──▶ active
 *	personalised, active, suspended ──block──▶ blocked
 *	personalised, active, suspended, blocked ──replace──▶ replaced
 *	ordered, personalised, active, suspended ──expire──▶ expired
 *	ordered, personalised, active, suspended, blocked ──revoke──▶ revoked
 *
 * replaced, expired and revoked are final.
 */
#include <string.h>

#include "km-internal.h"

/* next[ev][from] is the state ev leads to, or KM_ST_NONE. */
static const unsigned char next[KM_NEVS][KM_NSTATES] = {
	[KM_EV_PERSONALISE] = {
		[KM_ST_ORDERED] = KM_ST_PERSONALISED },
	[KM_EV_ACTIVATE] = {
		[KM_ST_PERSONALISED] = KM_ST_ACTIVE },
	[KM_EV_SUSPEND] = {
		[KM_ST_ACTIVE] = KM_ST_SUSPENDED },
	[KM_EV_RESUME] = {
		[KM_ST_SUSPENDED] = KM_ST_ACTIVE },
	[KM_EV_BLOCK] = {
		[KM_ST_PERSONALISED] = KM_ST_BLOCKED,
		[KM_ST_ACTIVE] = KM_ST_BLOCKED,
		[KM_ST_SUSPENDED] = KM_ST_BLOCKED },
	[KM_EV_REPLACE] = {
		[KM_ST_PERSONALISED] = KM_ST_REPLACED,
		[KM_ST_ACTIVE] = KM_ST_REPLACED,
		[KM_ST_SUSPENDED] = KM_ST_REPLACED,
		[KM_ST_BLOCKED] = KM_ST_REPLACED },
	[KM_EV_EXPIRE] = {
		[KM_ST_ORDERED] = KM_ST_EXPIRED,
		[KM_ST_PERSONALISED] = KM_ST_EXPIRED,
		[KM_ST_ACTIVE] = KM_ST_EXPIRED,
		[KM_ST_SUSPENDED] = KM_ST_EXPIRED },
	[KM_EV_REVOKE] = {
		[KM_ST_ORDERED] = KM_ST_REVOKED,
		[KM_ST_PERSONALISED] = KM_ST_REVOKED,
		[KM_ST_ACTIVE] = KM_ST_REVOKED,
		[KM_ST_SUSPENDED] = KM_ST_REVOKED,
		[KM_ST_BLOCKED] = KM_ST_REVOKED },
};

int
km_life_next(int from, int ev)
{
	if (ev < 0 || ev >= KM_NEVS || from < 0 || from >= KM_NSTATES)
		return KM_ST_NONE;
	return next[ev][from];
}


/* What the hotlist does on an event: 1 list, -1 take off, 0 nothing.  An
 * expired card's chip date stops it, so expiry takes off what the
 * lifecycle put on (a suspension); an admin's listing stays. */
static int
hotlist_effect(int ev)
{
	switch (ev) {
	case KM_EV_SUSPEND:
	case KM_EV_BLOCK:
	case KM_EV_REPLACE:
	case KM_EV_REVOKE:
		return 1;
	case KM_EV_RESUME:
	case KM_EV_EXPIRE:
		return -1;
	}
	return 0;
}

/* Expires the temporary cards that stood in for the card c replaced. */
static int
end_temporaries(struct km_db *db, const struct km_cfg *cfg,
    const struct km_card *c, struct km_err *err)
{
	static const char q[] =
	    "SELECT t.id FROM card n JOIN card t ON t.replaces = n.replaces"
	    " WHERE n.id = ?1 AND t.type = 9 AND t.id <> n.id"
	    " AND t.state IN ('ordered', 'personalised', 'active',"
	    " 'suspended')";
	sqlite3_stmt *st;
	struct km_card t;
	long long ids[16];
	size_t n = 0, i;
	int rc, changed;

	if (c->replaces[0] == '\0' || c->type == KM_CARD_TEMPORARY)
		return 0;
	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c->id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < nitems(ids))
		ids[n++] = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return km_db_err(db, rc, "card", err);
	/* Its chip is still valid by date: the hotlist must stop it. */
	for (i = 0; i < n; i++) {
		if (km_card_get(db, ids[i], &t, err) == -1 ||
		    km_life_apply(db, cfg, &t, KM_EV_EXPIRE,
		    "replacement collected", c->number, err) == -1 ||
		    km_bl_add(db, t.number, "expire", "replacement collected",
		    &changed, err) == -1)
			return -1;
	}
	return 0;
}

/*
 * Moves card c by ev.  Checks the transition table and, for a block, the
 * reason; updates the card (and *c), appends the event and the audit row,
 * and lists or unlists the card.  In a transaction; on failure nothing of
 * it is kept once the caller rolls back.
 */
int
km_life_apply(struct km_db *db, const struct km_cfg *cfg, struct km_card *c,
    int ev, const char *reason, const char *note, struct km_err *err)
{
	static const char q[] =
	    "UPDATE card SET state = ?3, state_at = ?4, reason = ?5"
	    " WHERE id = ?1 AND state = ?2";
	sqlite3_stmt *st;
	char at[KM_TIME_BUFSZ], action[32], detail[KM_TEXTSZ + 64];
	int to, rc, changed, fx;

	to = km_life_next(c->state, ev);
	if (to == KM_ST_NONE)
		return km_errf(err, KM_EDATA, "card '%s' is %s: it cannot be "
		    "%s", c->number, km_state_name(c->state),
		    ev == KM_EV_PERSONALISE ? "personalised" :
		    ev == KM_EV_ACTIVATE ? "activated" :
		    ev == KM_EV_SUSPEND ? "suspended" :
		    ev == KM_EV_RESUME ? "resumed" :
		    ev == KM_EV_BLOCK ? "blocked" :
		    ev == KM_EV_REPLACE ? "replaced" :
		    ev == KM_EV_EXPIRE ? "expired" : "revoked");
	if (ev == KM_EV_BLOCK && (reason == NULL ||
	    !km_block_reason_valid(reason)))
		return km_errf(err, KM_EDATA, "block reason '%s': not one of "
		    "lost, stolen, damaged, fraud", reason ? reason : "");
	if (ev == KM_EV_REVOKE && (reason == NULL || *reason == '\0'))
		return km_errf(err, KM_EDATA, "revoking card '%s' needs a "
		    "reason", c->number);
	if (reason != NULL && strlen(reason) >= KM_NAMESZ)
		return km_errf(err, KM_EDATA, "reason: longer than %d bytes",
		    KM_NAMESZ - 1);
	if (note != NULL && strlen(note) >= KM_TEXTSZ)
		return km_errf(err, KM_EDATA, "note: longer than %d bytes",
		    KM_TEXTSZ - 1);

	km_time_iso(km_db_now(db), at);
	if ((st = km_db_stmt(db, q, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_text(st, 2, km_state_name(c->state), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, km_state_name(to), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, at, -1, SQLITE_TRANSIENT);
	km_db_bind_text(st, 5, reason);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "card", err);
	if (sqlite3_changes(km_db_handle(db)) != 1)
		return km_errf(err, KM_ETEMP, "card '%s' changed under us",
		    c->number);
	if (km_card_event(db, c->id, km_ev_name(ev), c->state, to, reason, note,
	    err) == -1)
		return -1;
	snprintf(action, sizeof(action), "card.%s", km_ev_name(ev));
	snprintf(detail, sizeof(detail), "%s -> %s%s%s", km_state_name(c->state),
	    km_state_name(to), reason ? " reason=" : "", reason ? reason : "");
	if (km_audit(db, action, c->number, detail, err) == -1)
		return -1;
	c->state = to;
	c->state_at = km_db_now(db);
	km_strlcpy(c->reason, reason ? reason : "", sizeof(c->reason));

	fx = hotlist_effect(ev);
	if (fx > 0 && km_bl_add(db, c->number, km_ev_name(ev), reason, &changed,
	    err) == -1)
		return -1;
	if (fx < 0 && km_bl_remove(db, c->number, ev == KM_EV_RESUME ?
	    "suspend" : "*", &changed, err) == -1)
		return -1;
	if (fx != 0 && km_bl_listed(db, c->number, &c->listed, err) == -1)
		return -1;
	/* The card's certificates follow, in the same transaction. */
	if (km_ca_card_event(db, c->id, ev, NULL, err) == -1)
		return -1;
	if (ev == KM_EV_ACTIVATE)
		return end_temporaries(db, cfg, c, err);
	return 0;
}

/*
 * Replaces card old: it becomes replaced (and listed), and a new card of
 * the same type and services is ordered for the same holder; with temp, a
 * temporary card as well, to stand in until the new one is collected.  In
 * a transaction.
 */
int
km_life_replace(struct km_db *db, const struct km_cfg *cfg,
    struct km_card *old, const char *reason, int temp,
    struct km_card *newcard, struct km_card *tempcard, struct km_err *err)
{
	static const char q_link[] =
	    "UPDATE card SET replaced_by = ?2 WHERE id = ?1";
	sqlite3_stmt *st;
	char note[64];
	int rc, type;

	type = old->type;
	if (type == KM_CARD_TEMPORARY)
		return km_errf(err, KM_EDATA, "card '%s' is a temporary card: "
		    "it is not replaced", old->number);
	if (km_life_apply(db, cfg, old, KM_EV_REPLACE, reason, NULL, err) == -1)
		return -1;
	snprintf(note, sizeof(note), "replaces %s", old->number);
	if (km_card_order(db, cfg, old->holder_id, type, old->services,
	    old->id, note, newcard, err) == -1)
		return -1;
	km_strlcpy(newcard->replaces, old->number, sizeof(newcard->replaces));
	if ((st = km_db_stmt(db, q_link, err)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, old->id);
	sqlite3_bind_int64(st, 2, newcard->id);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return km_db_err(db, rc, "card", err);
	km_strlcpy(old->replaced_by, newcard->number,
	    sizeof(old->replaced_by));
	if (temp) {
		snprintf(note, sizeof(note), "stands in for %s until %s",
		    old->number, newcard->number);
		if (km_card_order(db, cfg, old->holder_id, KM_CARD_TEMPORARY,
		    old->services, old->id, note, tempcard, err) == -1)
			return -1;
		km_strlcpy(tempcard->replaces, old->number,
		    sizeof(tempcard->replaces));
	}
	return 0;
}
