/*
 * km-ssl.h -- what the OpenSSL modules of lib/ share (crypto.c, pkey.c,
 * x509.c, ocsp.c, cms.c): the layouts of the opaque key and certificate
 * types and the translation of OpenSSL's error queue.  Only those files
 * include it; nothing else in km sees an OpenSSL type.
 */
#ifndef KM_SSL_H
#define KM_SSL_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "km-internal.h"

struct km_key {
	EVP_PKEY	*pkey;		/* private, or public only */
	ENGINE		*engine;	/* a token's key: the ENGINE pkey lives
					 * in, held until pkey is freed; NULL */
	void		(*unref)(ENGINE *);	/* lets engine go (pkey.c) */
	X509_REQ	*req;		/* the CSR the key came from, or NULL:
					 * its SubjectPublicKeyInfo, already
					 * encoded, goes into a certificate
					 * as it is (x509.c) */
};

struct km_cert {
	X509		*x;
};

/* Sets err to the message and the reason of OpenSSL's last error, if
 * any, and empties OpenSSL's error queue.  Returns -1. */
int	km_ssl_errf(struct km_err *, enum km_errclass, const char *, ...)
	    KM_PRINTF(3, 4);

/* Reads the key file path, a regular file neither group nor others may
 * read or write, of at most 64 KiB, into a malloc'd buffer of *len bytes
 * and a NUL (the caller wipes and frees it).  KM_EDATA otherwise. */
int	km_keyfile_read(const char *path, unsigned char **buf, size_t *len,
	    struct km_err *);

/* Wraps pkey (the reference is taken over), engine NULL; NULL on no
 * memory, pkey freed. */
struct km_key *km_key_wrap(EVP_PKEY *);
/* Wraps x (the reference is taken over); NULL on no memory, x freed. */
struct km_cert *km_cert_wrap(X509 *);

#endif
