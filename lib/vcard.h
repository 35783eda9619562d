/*
 * vcard.h -- what vcard.c (the card: its file, its APDU framing, the
 * selection of an application) and the applications on it (vcard-km.c,
 * the km application of kmcard-apdu(7)) share, and nothing outside them
 * sees.  A second application (PIV) adds its state to struct km_vcard,
 * its lines to the card file, and an entry to the table in vcard.c.
 */
#ifndef VCARD_H
#define VCARD_H

#include <stdint.h>

#include "km.h"

/* The km application's files (kmcard-apdu(7), "Files"). */
#define KMV_RECSZ	29	/* environment, event and contract records */
#define KMV_NEVENTS	3
#define KMV_NCONTRACTS	4
#define KMV_NCOUNTERS	4
#define KMV_CTRSZ	(3 * KMV_NCOUNTERS)	/* the counter record */
#define KMV_NKEYS	4
#define KMV_NPURSES	2
#define KMV_SESSION_MAX	512	/* bytes a session may write */
#define KMV_AMOUNT_MAX	1000000

struct kmv_purse {
	int32_t		 balance;
	uint16_t	 counter;	/* operations so far; 65535: no more */
	int32_t		 limit;		/* largest balance */
};

/* The km application's persistent state: what a committed session
 * leaves behind and the card file holds. */
struct kmv_state {
	unsigned char	 key[KMV_NKEYS][KM_AES_KEYSZ];
	unsigned	 haskey;	/* bit n-1: key n is present */
	unsigned char	 env[KMV_RECSZ];
	unsigned char	 event[KMV_NEVENTS][KMV_RECSZ]; /* [0] newest */
	unsigned char	 contract[KMV_NCONTRACTS][KMV_RECSZ];
	unsigned char	 counters[KMV_CTRSZ];
	struct kmv_purse purse[KMV_NPURSES];
	uint32_t	 sessions;	/* sessions committed */
	int		 ratified;	/* the last committed one was */
	int		 invalidated;
};

/* An open secure session: its level, its running CMAC under Ks, and the
 * shadow copy its writes go to until CLOSE commits it. */
struct kmv_session {
	int		 open;
	int		 level;		/* 1, 2 or 3 */
	struct km_cmac	*mac;
	unsigned char	 kw[16];	/* wraps PUT KEY data */
	struct kmv_state shadow;
	size_t		 written;	/* data bytes written so far */
	int		 purseop;	/* a credit or debit was done */
};

/* A command APDU, parsed (short form only; ISO/IEC 7816-3 cases 1-4). */
struct vc_apdu {
	const unsigned char *raw;	/* as received, CLA to Le */
	size_t		 rawlen;
	unsigned char	 cla, ins, p1, p2;
	const unsigned char *data;	/* Lc bytes, or NULL */
	size_t		 lc;
	int		 hasle;
	size_t		 le;		/* 1 to 256 when hasle */
	int		 malformed;	/* not a short APDU: 6700 */
};

/* The response being built: data, then the status word added last. */
struct vc_resp {
	unsigned char	*buf;
	size_t		 len;
	size_t		 cap;		/* room for data, not SW */
};

struct km_vcard;

/* An application on the card, found by its AID at SELECT. */
struct vc_app {
	const char	*name;
	const unsigned char *aid;
	size_t		 aidlen;
	/* SELECT chose it: write the FCI to r, return the SW. */
	unsigned	(*select)(struct km_vcard *, const struct vc_apdu *,
			    struct vc_resp *);
	/* Any other command while selected: data to r, return the SW.  On
	 * a fault inside the card, fill err and return 0x6F00 or 0x6581. */
	unsigned	(*apdu)(struct km_vcard *, const struct vc_apdu *,
			    struct vc_resp *, struct km_err *);
	/* Deselected, reset, powered off or removed: end what is open. */
	void		(*end)(struct km_vcard *);
};

struct km_vcard {
	char		*path;		/* NULL: in memory only */
	int		 lockfd;	/* holds the file's lock, or -1 */
	unsigned char	 uid[10];
	size_t		 uidlen;
	struct kmv_state km;		/* the km application, committed */
	struct kmv_session kms;		/* and its session, if open */
	const struct vc_app *app;	/* selected, or NULL */
};

/* vcard.c */
/* Saves the card with the km application's state st and, once the file
 * is safely replaced, makes st the committed state.  On failure the
 * committed state and the file are unchanged. */
int	vc_commit_km(struct km_vcard *, const struct kmv_state *,
	    struct km_err *);
/* Whether a command's Le allows n bytes of response data: Le absent,
 * 00 (256) or at least n. */
int	vc_le_fits(const struct vc_apdu *, size_t n);

/* vcard-km.c */
extern const struct vc_app vc_app_km;
/* The committed state of a blank card. */
void	kmv_blank(struct kmv_state *);

#endif /* VCARD_H */
