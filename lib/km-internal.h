/*
 * km-internal.h -- what the files of lib/ share and the programs do not
 * see: the store's SQLite handle and statement helpers.  Only the files of lib/
 * include it.
 */
#ifndef KM_INTERNAL_H
#define KM_INTERNAL_H

#include <sqlite3.h>

#include "km.h"

#define nitems(a) (sizeof(a) / sizeof((a)[0]))

/* db.c */
sqlite3	*km_db_handle(struct km_db *);
/* A prepared statement for sql (a string constant: its address is the
 * key), from the connection's cache, reset and with bindings cleared. */
sqlite3_stmt *km_db_stmt(struct km_db *, const char *sql, struct km_err *);
/* Translates the connection's last SQLite error: busy and locked become
 * KM_ETEMP, constraint violations KM_EDATA, the rest KM_ESYS.  Returns
 * -1. */
void	km_db_seterr(struct km_db *, int rc, const char *what,
	    struct km_err *);
static inline int
km_db_err(struct km_db *db, int rc, const char *what, struct km_err *err)
{
	km_db_seterr(db, rc, what, err);
	return -1;
}
/* Runs a statement that returns no rows: 0 or -1. */
int	km_db_exec(struct km_db *, const char *sql, struct km_err *);
/* Binds text, or NULL when s is NULL or empty. */
int	km_db_bind_text(sqlite3_stmt *, int, const char *);
/* Copies column i into buf (truncating); "" for NULL. */
void	km_db_col(sqlite3_stmt *, int, char *buf, size_t sz);

/* card.c */
/* Orders a card (state ordered) for holder, with its first event and
 * audit row.  In a transaction. */
int	km_card_order(struct km_db *, const struct km_cfg *, long long holder,
	    int type, unsigned services, long long replaces, const char *note,
	    struct km_card *, struct km_err *);
/* Appends a lifecycle event.  In a transaction. */
int	km_card_event(struct km_db *, long long card, const char *ev,
	    int from, int to, const char *reason, const char *note,
	    struct km_err *);

/* schema.c, generated from the files in lib/schema/ */
extern const char *const km_schema[];

/* util.c */
size_t	km_strlcpy(char *, const char *, size_t);
/* Lower-cases ASCII and Polish letters, drops their diacritics: the key
 * names are searched by. */
void	km_fold(const char *in, char *out, size_t outsz);
int	km_isdigits(const char *, size_t n);	/* exactly n digits */
/* n (1 to 4) bytes big-endian, as the card protocols write numbers. */
uint32_t km_get_be(const unsigned char *, int n);
void	km_put_be(unsigned char *, uint32_t, int n);


#endif
