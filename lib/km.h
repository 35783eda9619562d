/*
 * km.h -- the public interface of libkm, the library every km program
 * shares.  Sections follow the source files of lib/.  Library functions
 * never print and never exit: they return 0 (or a count) on success and -1
 * on failure, with the failure described in a struct km_err.  The command
 * decides what to print and which exit status to use (km(7)).
 */
#ifndef KM_H
#define KM_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#ifndef __dead
#define __dead __attribute__((noreturn))
#endif
#define KM_PRINTF(a, b) __attribute__((format(printf, a, b)))

#define KM_VERSION "0.1.0"

/* err.c */

/* Error classes; km_exitcode() maps them to the exit statuses of km(7). */
enum km_errclass {
	KM_EOK,		/* 0 ok */
	KM_ENOTFOUND,	/* 1 a negative answer: not found, refused */
	KM_EUSAGE,	/* 2 usage */
	KM_EDATA,	/* 3 bad data or config: do not retry */
	KM_ETEMP,	/* 4 temporary: store busy, no card: retry */
	KM_ESYS		/* 5 system or library failure */
};

struct km_err {
	enum km_errclass eclass;
	char msg[512];
};

/* Set err (may be NULL) from a format and arguments. */
void	km_verrf(struct km_err *, enum km_errclass, const char *, va_list);
void	km_verrpre(struct km_err *, const char *, va_list);

/* Sets err (may be NULL) to class and message; always returns -1.  Inline,
 * so that callers (and static analysers) see the -1. */
static inline int km_errf(struct km_err *, enum km_errclass, const char *,
    ...) KM_PRINTF(3, 4);
static inline int
km_errf(struct km_err *e, enum km_errclass c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	km_verrf(e, c, fmt, ap);
	va_end(ap);
	return -1;
}

/* Puts "prefix: " before the message already in err; returns -1. */
static inline int km_errpre(struct km_err *, const char *, ...)
    KM_PRINTF(2, 3);
static inline int
km_errpre(struct km_err *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	km_verrpre(e, fmt, ap);
	va_end(ap);
	return -1;
}

int	km_exitcode(enum km_errclass);
void	km_errclear(struct km_err *);

/* id.c -- Polish identifiers and card numbers; all take ASCII strings.
 * Error messages name the fault, never the number itself. */
struct km_pesel {
	int	year, month, day;
	char	sex;		/* 'F' or 'M' */
};
/* 0 if s is a valid PESEL (11 digits, check digit, real date); fills *p
 * when p is not NULL. */
int	km_pesel_check(const char *s, struct km_pesel *p, struct km_err *);
/* Strips "PL", spaces and dashes; writes the 10 digits to out. */
int	km_nip_check(const char *s, char out[11], struct km_err *);
int	km_regon_check(const char *s, struct km_err *);	/* 9 or 14 digits */
int	km_idcard_check(const char *s, struct km_err *);	/* AAA999999 */
/* NRB (26 digits) or IBAN PL...; spaces allowed; writes the 26 digits. */
int	km_nrb_check(const char *s, char out[27], struct km_err *);
/* Makes an NRB from a 24-digit BBAN (sort code and account). */
int	km_nrb_make(const char *bban24, char out[27], struct km_err *);
int	km_luhn_valid(const char *digits);		/* 1 valid, 0 not */
char	km_luhn_digit(const char *payload);		/* the digit to append */
/* Masks all but the last n characters with '*'. */
char   *km_mask(const char *s, size_t keep, char *buf, size_t bufsz);

/* money.c -- amounts are int64_t grosze, never floating point. */
#define KM_MONEY_BUFSZ 32
/* Parses "12", "12.5", "12.50", "12,50", "-3.00", "1 234,56"; at most two
 * decimals; overflow is an error. */
int	km_money_parse(const char *s, int64_t *grosze, struct km_err *);
/* "12.50", "-0.05"; returns buf. */
char   *km_money_fmt(int64_t grosze, char buf[KM_MONEY_BUFSZ]);
/* Adds with overflow check: 0, or -1 on overflow. */
int	km_money_add(int64_t a, int64_t b, int64_t *sum, struct km_err *);

/* time.c -- stored in UTC; the business day is Europe/Warsaw (EU rules:
 * CEST from the last Sunday of March 01:00 UTC to the last Sunday of
 * October 01:00 UTC). */
#define KM_TIME_BUFSZ 32
/* "2026-11-27T22:15:00Z" */
char   *km_time_iso(time_t, char buf[KM_TIME_BUFSZ]);
int	km_time_parse(const char *s, time_t *, struct km_err *); /* ISO UTC */
/* "YYYY-MM-DD" checked against the calendar (leap days); *t is 00:00 UTC
 * of that date. */
int	km_date_parse(const char *s, time_t *t, struct km_err *);
/* Europe/Warsaw offset from UTC at t, in seconds (3600 or 7200). */
int	km_time_warsaw_offset(time_t);
/* Business day of t in Europe/Warsaw as "YYYY-MM-DD". */
char   *km_time_bday(time_t, char buf[KM_TIME_BUFSZ]);
/* Local Warsaw time "YYYY-MM-DD HH:MM" for people. */
char   *km_time_local(time_t, char buf[KM_TIME_BUFSZ]);
/* UTC time_t of a civil date-time (no time zone). */
time_t	km_time_civil(int y, int mon, int d, int h, int min, int s);
/* Midnight in Warsaw that starts business day y-m-d, as UTC time_t. */
time_t	km_time_bday_start(int y, int mon, int d);
/* t plus n calendar years (29 Feb becomes 28 Feb). */
time_t	km_time_add_years(time_t, int n);
int	km_leap_year(int y);

/* out.c -- records in three formats: human (aligned "key  value"), TSV
 * (-t: values only, key first, no header; tab, newline, CR and
 * backslash escaped as \t \n \r \\) and JSON (-j: one object per
 * line).  Lists of sub-records appear in JSON and in human output only. */
enum km_outfmt { KM_OUT_HUMAN, KM_OUT_TSV, KM_OUT_JSON };

struct km_out {
	FILE		*fp;
	enum km_outfmt	 fmt;
	int		 nfield;	/* fields written in this record */
	int		 nitem;		/* items written in this list */
	int		 inlist;	/* inside km_out_list_begin() */
	int		 initem;
	int		 nrec;		/* records written so far */
};

void	km_out_init(struct km_out *, FILE *, enum km_outfmt);
void	km_out_begin(struct km_out *);
/* val NULL: JSON null, TSV empty, left out of human output. */
void	km_out_str(struct km_out *, const char *key, const char *val);
void	km_out_int(struct km_out *, const char *key, long long);
void	km_out_bool(struct km_out *, const char *key, int);
/* A list of strings: JSON array, TSV joined with ',', human with ', '. */
void	km_out_strv(struct km_out *, const char *key, const char *const *,
	    size_t);
void	km_out_list_begin(struct km_out *, const char *key);
void	km_out_item_begin(struct km_out *);
void	km_out_item_end(struct km_out *);
void	km_out_list_end(struct km_out *);
void	km_out_end(struct km_out *);
/* Writes s as a JSON string with its quotes; invalid UTF-8 becomes U+FFFD. */
void	km_json_str(FILE *, const char *s);

/* crypto.c -- the one door to OpenSSL for hashing and signatures. */
struct km_key;
int	km_sha256_hex(const void *, size_t, char out[65]);
/* Loads a PEM private key; the file must not be readable by group or
 * others. */
int	km_key_load(struct km_key **, const char *path, struct km_err *);
/* Loads a PEM public key (SubjectPublicKeyInfo), for verifying only. */
int	km_key_load_public(struct km_key **, const char *path,
	    struct km_err *);
void	km_key_free(struct km_key *);
/* SHA-256 signature (ECDSA DER or RSA PKCS#1 v1.5); *sig is malloc'd. */
int	km_key_sign(struct km_key *, const void *, size_t, unsigned char **sig,
	    size_t *siglen, struct km_err *);
/* Verifies with the public half of key: 0 good, -1 bad (KM_EDATA). */
int	km_key_verify(struct km_key *, const void *, size_t,
	    const unsigned char *sig, size_t siglen, struct km_err *);
/* Base64 without line breaks; *out is malloc'd and NUL-terminated. */
int	km_b64_encode(const unsigned char *, size_t, char **out,
	    struct km_err *);
int	km_b64_decode(const char *, unsigned char **out, size_t *outlen,
	    struct km_err *);
void	km_wipe(void *, size_t);

/* AES-128 for the chip: CMAC (NIST SP 800-38B), NXP AN10922 key
 * diversification, and the MACs of the km application (kmcard-apdu(7)). */
#define KM_AES_KEYSZ 16
#define KM_MACSZ 8
/* Incremental AES-128-CMAC; opaque. */
struct km_cmac;
int	km_cmac_new(struct km_cmac **, const unsigned char key[KM_AES_KEYSZ],
	    struct km_err *);
int	km_cmac_update(struct km_cmac *, const void *, size_t);
/* The MAC of the data so far followed by tail (taillen bytes, may be 0),
 * without ending the computation: the context goes on taking data as if
 * tail had not been given. */
int	km_cmac_peek(struct km_cmac *, const void *tail, size_t taillen,
	    unsigned char out[16]);
void	km_cmac_free(struct km_cmac *);
int	km_aes_cmac(const unsigned char key[KM_AES_KEYSZ], const void *,
	    size_t, unsigned char out[16], struct km_err *);
/* AN10922 AES-128 diversification: CMAC over m (1..31 bytes) padded to 32
 * bytes by the note's rule. */
int	km_an10922(const unsigned char master[KM_AES_KEYSZ],
	    const unsigned char *m, size_t mlen,
	    unsigned char out[KM_AES_KEYSZ], struct km_err *);
/* A card's key number keyno (kmcard-apdu(7)) from its master key and the
 * chip UID (4, 7 or 10 bytes): AN10922 over 01 || UID || "KMA" || keyno. */
int	km_diversify(const unsigned char master[KM_AES_KEYSZ],
	    const unsigned char *uid, size_t uidlen, int keyno,
	    unsigned char out[KM_AES_KEYSZ], struct km_err *);
/* The purse certificate of kmcard-apdu(7): the first 8 bytes of
 * CMAC(purse key, "KMPURSE" || uidlen || uid || purse || op || counter(2)
 * || amount(4) || balance(4)), integers big-endian. */
int	km_purse_mac(const unsigned char key[KM_AES_KEYSZ],
	    const unsigned char *uid, size_t uidlen, int purse, int op,
	    unsigned counter, int32_t amount, int32_t balance,
	    unsigned char mac[KM_MACSZ], struct km_err *);

/* csv.c -- RFC 4180 CSV: comma separated, double-quoted fields may hold
 * commas, quotes ("") and newlines; CRLF or LF line ends. */
#define KM_CSV_MAXFIELDS 64
struct km_csv {
	FILE	*fp;
	const char *name;	/* for messages, e.g. "<stdin>"; NULL: "line" */
	size_t	 line;		/* next physical line to read */
	size_t	 recline;	/* line on which the last record started */
	char	*buf;		/* field storage */
	size_t	 bufsz;
	size_t	 nfield;
	char	*field[KM_CSV_MAXFIELDS];
};
void	km_csv_init(struct km_csv *, FILE *);
/* 1 a record read, 0 end of input, -1 error: "NAME:LINE: why" (KM_EDATA
 * for malformed input, KM_ESYS for a read error).  After a malformed
 * record the reader has skipped to the end of its line, so the caller may
 * report it and read on. */
int	km_csv_next(struct km_csv *, struct km_err *);
void	km_csv_free(struct km_csv *);

/* cfg.c -- km.yaml(5), parsed once into a plain struct. */
enum km_role {
	KM_ROLE_CLERK = 1 << 0,
	KM_ROLE_HELPDESK = 1 << 1,
	KM_ROLE_ADMIN = 1 << 2,
	KM_ROLE_CRON = 1 << 3,
	KM_ROLE_DEVICE = 1 << 4,
	KM_ROLE_AUDITOR = 1 << 5
};
#define KM_NROLES 6

enum km_service {
	KM_SVC_ID = 1 << 0,		/* identification */
	KM_SVC_ETICKET = 1 << 1,	/* eticket */
	KM_SVC_PAYMENTS = 1 << 2,	/* payments */
	KM_SVC_ESIGN = 1 << 3,		/* esignature */
	KM_SVC_BENEFITS = 1 << 4	/* benefits */
};
#define KM_NSERVICES 5

struct km_cfg {
	char	*path;			/* the file read */
	struct {
		char	*path;		/* store.path */
		int	 busy_timeout;	/* store.busy_timeout, ms */
	} store;
	/* roles.<name>: users, and groups written "@group"; NULL-terminated,
	 * indexed by the bit number of enum km_role */
	char	**roles[KM_NROLES];
	struct {
		char	 iin[7];	/* cards.iin: first 6 digits */
		int	 validity_years;	/* cards.validity_years */
		int	 temporary_days;	/* cards.temporary_days */
		unsigned resident;	/* cards.resident.services */
		unsigned entrepreneur;	/* cards.entrepreneur.services */
	} cards;
	struct {
		char	*hotlist_signer;	/* keys.hotlist_signer */
		char	*hotlist_verify;	/* keys.hotlist_verify */
	} keys;
	struct {
		int	 max_add;	/* blacklist.max_add */
	} blacklist;
};

/* path NULL: $KM_CONFIG, then /etc/km/km.yaml.  Unknown keys and wrong
 * types are KM_EDATA errors "file:line:col: ...".  Relative paths in the
 * file are taken relative to the file's directory. */
int	km_cfg_load(struct km_cfg **, const char *path, struct km_err *);
void	km_cfg_free(struct km_cfg *);
/* Service names <-> bits: "identification eticket ..."; separators may be
 * spaces, commas or '+'. */
int	km_services_parse(const char *, unsigned *, struct km_err *);
const char *km_service_name(unsigned bit);
const char *km_role_name(unsigned bit);

/* db.c -- the SQLite store: one file, WAL, synchronous=FULL, foreign keys,
 * busy timeout; numbered migrations tracked by user_version. */
struct km_db;
enum { KM_DB_RDONLY = 0, KM_DB_RDWR = 1, KM_DB_CREATE = 2 };
/* Opens the store named by the config.  Without KM_DB_CREATE a missing
 * store or one at another schema version is KM_EDATA. */
int	km_db_open(struct km_db **, const struct km_cfg *, int flags,
	    struct km_err *);
void	km_db_close(struct km_db *);
/* Runs the migrations the store lacks; *from and *to tell which. */
int	km_db_migrate(struct km_db *, int *from, int *to, struct km_err *);
int	km_db_schema_version(void);
/* BEGIN IMMEDIATE; a busy store is KM_ETEMP. */
int	km_db_begin(struct km_db *, struct km_err *);
int	km_db_commit(struct km_db *, struct km_err *);
void	km_db_rollback(struct km_db *);
/* Savepoints, for batches that keep their good rows. */
int	km_db_savepoint(struct km_db *, struct km_err *);
int	km_db_release(struct km_db *, struct km_err *);
void	km_db_rollback_to(struct km_db *);
/* Who acts and when: recorded in every audit row and event. */
void	km_db_set_actor(struct km_db *, const char *user);
const char *km_db_actor(const struct km_db *);
time_t	km_db_now(const struct km_db *);
void	km_db_set_now(struct km_db *, time_t);

/* role.c -- who the user is and what they may do. */
/* Fills *roles with the roles the real user has in the config, and user
 * with the user's name. */
int	km_role_get(const struct km_cfg *, unsigned *roles, char *user,
	    size_t usersz, struct km_err *);
/* 0 if roles has one of allowed, else -1 (KM_EDATA, naming both). */
int	km_role_require(unsigned roles, unsigned allowed, const char *user,
	    struct km_err *);

/* audit.c -- a hash-chained row for every mutation, written in the
 * mutation's own transaction. */
int	km_audit(struct km_db *, const char *action, const char *subject,
	    const char *detail, struct km_err *);
/* Walks the chain: 0 all good (*rows counted), 1 a row does not verify
 * (*bad is its seq, err says why), -1 error. */
int	km_audit_verify(struct km_db *, long long *rows, long long *bad,
	    struct km_err *);

/* card.c -- holders, applications and cards. */
enum km_card_type {
	KM_CARD_RESIDENT = 1,
	KM_CARD_ENTREPRENEUR = 2,
	KM_CARD_TEMPORARY = 9
};

#define KM_NAMESZ 65
#define KM_TEXTSZ 129
#define KM_CARDNO_LEN 16
#define KM_UIDSZ 21		/* up to 10 bytes in hex */

/* An application, as key=value operands or a CSV row. */
struct km_app {
	int	 type;				/* type= resident|entrepreneur */
	char	 pesel[12];			/* pesel= (the representative's) */
	char	 first_name[KM_NAMESZ];		/* first_name= */
	char	 surname[KM_NAMESZ];		/* surname= */
	char	 street[KM_TEXTSZ];		/* street= */
	char	 postcode[7];			/* postcode= NN-NNN */
	char	 city[KM_NAMESZ];		/* city= */
	char	 email[KM_TEXTSZ];		/* email= */
	char	 phone[17];			/* phone= */
	char	 nip[11];			/* nip= */
	char	 regon[15];			/* regon= */
	char	 company[KM_TEXTSZ];		/* company= */
	unsigned services;			/* services= (0: all the type has) */
	unsigned set;				/* which fields were given */
};
void	km_app_init(struct km_app *);
/* Sets one field by name, checking its form (checksums, lengths). */
int	km_app_set(struct km_app *, const char *key, const char *val,
	    struct km_err *);
/* Checks the application is whole and its services allowed. */
int	km_app_check(struct km_app *, const struct km_cfg *, struct km_err *);

struct km_holder {
	long long id;
	int	 kind;				/* KM_CARD_RESIDENT or _ENTREPRENEUR */
	char	 pesel[12];
	char	 first_name[KM_NAMESZ];
	char	 surname[KM_NAMESZ];
	char	 street[KM_TEXTSZ];
	char	 postcode[7];
	char	 city[KM_NAMESZ];
	char	 email[KM_TEXTSZ];
	char	 phone[17];
	char	 nip[11];
	char	 regon[15];
	char	 company[KM_TEXTSZ];
};

struct km_card {
	long long id;
	char	 number[KM_CARDNO_LEN + 1];
	int	 type;
	int	 state;
	char	 chip_uid[KM_UIDSZ];		/* "" until bound */
	unsigned services;
	long long holder_id;
	time_t	 ordered_at;
	time_t	 state_at;			/* when the state was entered */
	time_t	 expires_at;
	char	 reason[KM_NAMESZ];		/* of the last transition */
	char	 replaces[KM_CARDNO_LEN + 1];	/* "" if none */
	char	 replaced_by[KM_CARDNO_LEN + 1];
	int	 listed;			/* on the hotlist now */
};

struct km_event {
	time_t	 at;
	int	 from, to;			/* states; from 0 at order */
	char	 reason[KM_NAMESZ];
	char	 actor[KM_NAMESZ];
	char	 note[KM_TEXTSZ];
};

const char *km_card_type_name(int);		/* "resident", ... */
const char *km_card_type_title(int);		/* "Resident Card", ... */
/* In a transaction: registers (or finds) the holder and orders a card;
 * fills *card. */
int	km_card_issue(struct km_db *, const struct km_cfg *,
	    const struct km_app *, struct km_card *, struct km_err *);
/* Looks a key up: card number, chip UID (hex), PESEL, NIP, or a name
 * (prefix of surname, first name or company, any case).  *ids is
 * malloc'd; 0 matches is not an error. */
int	km_card_find(struct km_db *, const char *key, long long **ids,
	    size_t *n, struct km_err *);
/* Cards in a state ("active") or blocked for a reason ("lost"). */
int	km_card_list(struct km_db *, const char *state, long long **ids,
	    size_t *n, struct km_err *);
/* Cards still in use whose validity ended at or before t, oldest first. */
int	km_card_due(struct km_db *, time_t t, long long **ids, size_t *n,
	    struct km_err *);
/* The card with this number: 0, or -1 with KM_ENOTFOUND. */
int	km_card_by_number(struct km_db *, const char *number,
	    struct km_card *, struct km_err *);
int	km_card_get(struct km_db *, long long id, struct km_card *,
	    struct km_err *);
int	km_holder_get(struct km_db *, long long id, struct km_holder *,
	    struct km_err *);
/* The card's lifecycle events, oldest first; *ev is malloc'd. */
int	km_card_history(struct km_db *, long long id, struct km_event **ev,
	    size_t *n, struct km_err *);
/* Binds a chip UID (hex, 4, 7 or 10 bytes) to an ordered card; a chip
 * bound to another card is refused. */
int	km_card_bind(struct km_db *, struct km_card *, const char *uid,
	    struct km_err *);
/* Checks a chip UID (4, 7 or 10 bytes in hex, ':' or ' ' allowed between
 * bytes) and writes it in upper-case hex without separators. */
int	km_uid_check(const char *s, char out[KM_UIDSZ], struct km_err *);
/* Checks the form of a card number (16 digits, Luhn). */
int	km_cardno_check(const char *s, struct km_err *);

/* life.c -- the card lifecycle: one table of allowed transitions. */
enum km_state {
	KM_ST_NONE,
	KM_ST_ORDERED,
	KM_ST_PERSONALISED,
	KM_ST_ACTIVE,
	KM_ST_SUSPENDED,
	KM_ST_BLOCKED,
	KM_ST_REPLACED,
	KM_ST_EXPIRED,
	KM_ST_REVOKED
};
#define KM_NSTATES 9

enum km_ev {
	KM_EV_PERSONALISE,
	KM_EV_ACTIVATE,
	KM_EV_SUSPEND,
	KM_EV_RESUME,
	KM_EV_BLOCK,
	KM_EV_REPLACE,
	KM_EV_EXPIRE,
	KM_EV_REVOKE
};
#define KM_NEVS 8

const char *km_state_name(int);
int	km_state_parse(const char *);		/* KM_ST_NONE if unknown */
const char *km_ev_name(int);
/* The state ev leads to from state from, or KM_ST_NONE if not allowed. */
int	km_life_next(int from, int ev);
/* Block reasons: lost, stolen, damaged, fraud. */
int	km_block_reason_valid(const char *);
/* In a transaction: moves the card by ev, with reason and note (either
 * may be NULL), records the event and its audit row, and updates the
 * hotlist.  An illegal transition is KM_EDATA and changes nothing. */
int	km_life_apply(struct km_db *, const struct km_cfg *,
	    struct km_card *, int ev, const char *reason, const char *note,
	    struct km_err *);
/* In a transaction: replaces card, ordering a new one for the holder with
 * the same services (and a temporary card if temp is set). */
int	km_life_replace(struct km_db *, const struct km_cfg *,
	    struct km_card *old, const char *reason, int temp,
	    struct km_card *newcard, struct km_card *tempcard,
	    struct km_err *);

/* blacklist.c -- the hotlist of cards devices must refuse, and its
 * signed, versioned publications. */
struct km_bl_entry {
	char	 number[KM_CARDNO_LEN + 1];
	char	 reason[KM_NAMESZ];
	char	 source[16];		/* the event that keeps it: suspend,
					 * block, replace, revoke, expire; or
					 * admin */
	time_t	 since;
	char	 actor[KM_NAMESZ];
	int	 admin;			/* an admin listed it too */
};
/* In a transaction.  Adding a listed card or removing an unlisted one is
 * a no-op (returns 0, *changed 0); an admin removing an entry the card's
 * state keeps is refused.  Source is "admin" or a lifecycle event's name;
 * removing with "*" takes back whatever the lifecycle put on. */
int	km_bl_add(struct km_db *, const char *number, const char *source,
	    const char *reason, int *changed, struct km_err *);
int	km_bl_remove(struct km_db *, const char *number, const char *source,
	    int *changed, struct km_err *);
/* *listed: whether the card is on the hotlist now. */
int	km_bl_listed(struct km_db *, const char *number, int *listed,
	    struct km_err *);
int	km_bl_list(struct km_db *, struct km_bl_entry **, size_t *n,
	    struct km_err *);

struct km_hotlist {
	long long version;
	long long base;		/* delta: the version it updates; 0 full */
	time_t	 created;
	size_t	 count;		/* records in the file */
	size_t	 adds, removes;	/* records that add (+) and remove (-) */
};
/* In a transaction: publishes the next version, full or (base > 0) a
 * delta against version base, and writes it to fp.  Refused (KM_EDATA)
 * if it adds more than cfg's blacklist.max_add entries since the last
 * version, unless force. */
int	km_hotlist_publish(struct km_db *, const struct km_cfg *,
	    long long base, int force, FILE *fp, struct km_hotlist *,
	    struct km_err *);
/* Verifies a hotlist file's signature with the configured key and reads
 * its header. */
int	km_hotlist_verify(const struct km_cfg *, const char *path,
	    struct km_hotlist *, struct km_err *);

#endif /* KM_H */
