/*
 * vpcd.c -- the card's side of the protocol of vsmartcard's vpcd, the
 * virtual reader driver that pcscd loads: the card connects to the reader
 * over TCP (127.0.0.1:35963 by default) and from then on only answers.
 * Every message, both ways, is a 2-byte big-endian length and that many
 * bytes.  From the reader, one byte is a control message: 00 power off,
 * 01 power on, 02 reset (none answered) and 04 "your ATR" (answered with
 * the ATR); anything longer is a command APDU, answered with one response
 * APDU.  Closing the connection is taking the card out of the reader.
 *
 * Debian 12's vpcd writes a message's length and its body with two
 * writes, so with delayed ACKs every exchange would wait about 48 ms for
 * the card's ACK of the first: the card turns TCP_QUICKACK on again after
 * every recv() (Linux clears it), which takes an exchange through pcscd
 * down to about 150 us.
 *
 * Waiting is a pselect() with the caller's signal mask, so that a program
 * can keep SIGTERM blocked except while the card waits for the reader, and
 * stop between two exchanges, never in the middle of one.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "km.h"

#define FRAME_MAX	(2 + 65535)

struct km_vpcd {
	int		 fd;
	char		 name[300];	/* "host:port", for messages */
	unsigned char	 in[FRAME_MAX];	/* received, unhandled */
	size_t		 have;
	unsigned char	 out[2 + KM_VCARD_RESPMAX];
};

static void KM_PRINTF(3, 4)
say(const struct km_vpcd_opt *o, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (o == NULL || o->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->log(o->arg, level, msg);
}

/* p in hex, as much of it as buf holds, with "..." if it is cut. */
static const char *
hex(const unsigned char *p, size_t n, char *buf, size_t bufsz)
{
	size_t i, o = 0;

	buf[0] = '\0';
	for (i = 0; i < n && o + 8 < bufsz; i++)
		o += (size_t)snprintf(buf + o, bufsz - o, "%s%02X",
		    i ? " " : "", p[i]);
	if (i < n)
		snprintf(buf + o, bufsz - o, " ...");
	return buf;
}

static void
quickack(int fd)
{
	int one = 1;

	/* Linux clears it after a while: set it after every recv(). */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
}

int
km_vpcd_connect(struct km_vpcd **vp, const char *host, const char *port,
    struct km_err *err)
{
	struct addrinfo hints, *res, *ai;
	struct km_vpcd *v;
	int rc, fd = -1, e = 0, one = 1;

	*vp = NULL;
	if ((v = malloc(sizeof(*v))) == NULL)
		return km_errf(err, KM_ESYS, "out of memory");
	v->have = 0;
	snprintf(v->name, sizeof(v->name), "%s:%s", host, port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(host, port, &hints, &res)) != 0) {
		km_errf(err, rc == EAI_AGAIN ? KM_ETEMP : KM_EDATA,
		    "cannot connect to vpcd '%s': %s", v->name,
		    rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		free(v);
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol)) == -1) {
			e = errno;
			continue;
		}
		while ((rc = connect(fd, ai->ai_addr, ai->ai_addrlen)) == -1 &&
		    errno == EINTR)
			;
		if (rc == 0)
			break;
		e = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd == -1) {
		km_errf(err, KM_ETEMP, "cannot connect to vpcd '%s': %s",
		    v->name, strerror(e));
		free(v);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	quickack(fd);
	v->fd = fd;
	*vp = v;
	return 0;
}

static int
send_frame(struct km_vpcd *v, const unsigned char *p, size_t n)
{
	size_t off = 0;
	ssize_t w;

	v->out[0] = (unsigned char)(n >> 8);
	v->out[1] = (unsigned char)(n & 0xff);
	memcpy(v->out + 2, p, n);
	n += 2;
	while (off < n) {
		w = send(v->fd, v->out + off, n - off, MSG_NOSIGNAL);
		if (w == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += (size_t)w;
	}
	return 0;
}

/* The length of the frame at the start of the buffer, or 0 if it is not
 * all there yet (*len gets the body's length). */
static int
have_frame(const struct km_vpcd *v, size_t *len)
{
	if (v->have < 2)
		return 0;
	*len = (size_t)v->in[0] << 8 | v->in[1];
	return v->have >= 2 + *len;
}

static int
gone(int e)
{
	return e == ECONNRESET || e == EPIPE || e == ENOTCONN ||
	    e == ETIMEDOUT;
}

int
km_vpcd_serve(struct km_vpcd *v, struct km_vcard *vc,
    const struct km_vpcd_opt *o, enum km_vpcd_end *end, struct km_err *err)
{
	unsigned char resp[KM_VCARD_RESPMAX];
	const unsigned char *body, *atr;
	unsigned long napdu = 0;
	char h1[1024], h2[1024];
	struct km_err e;
	fd_set rfds;
	size_t len = 0, rlen, atrlen;
	ssize_t r;
	int rv = 0;

	*end = KM_VPCD_CLOSED;
	if (v->fd == -1)
		return km_errf(err, KM_EUSAGE, "vpcd '%s': not connected",
		    v->name);
	for (;;) {
		while (!have_frame(v, &len)) {
			if (o != NULL && o->stop != NULL && *o->stop) {
				*end = KM_VPCD_STOPPED;
				goto out;
			}
			FD_ZERO(&rfds);
			FD_SET(v->fd, &rfds);
			if (pselect(v->fd + 1, &rfds, NULL, NULL, NULL,
			    o != NULL ? o->waitmask : NULL) == -1) {
				if (errno == EINTR)
					continue;
				rv = km_errf(err, KM_ESYS, "vpcd '%s': %s",
				    v->name, strerror(errno));
				goto out;
			}
			r = recv(v->fd, v->in + v->have,
			    sizeof(v->in) - v->have, 0);
			quickack(v->fd);
			if (r == 0 || (r == -1 && gone(errno))) {
				say(o, KM_VPCD_INFO, "vpcd '%s' closed the "
				    "connection", v->name);
				*end = KM_VPCD_CLOSED;
				goto out;
			}
			if (r == -1) {
				if (errno == EINTR || errno == EAGAIN)
					continue;
				rv = km_errf(err, KM_ESYS, "cannot read from "
				    "vpcd '%s': %s", v->name, strerror(errno));
				goto out;
			}
			v->have += (size_t)r;
		}
		body = v->in + 2;
		if (len == 1) {
			switch (body[0]) {
			case 0x00:
				say(o, KM_VPCD_INFO, "power off");
				km_vcard_reset(vc);
				break;
			case 0x01:
				say(o, KM_VPCD_INFO, "power on");
				km_vcard_reset(vc);
				break;
			case 0x02:
				say(o, KM_VPCD_INFO, "reset");
				km_vcard_reset(vc);
				break;
			case 0x04:
				atr = km_vcard_atr(&atrlen);
				if (send_frame(v, atr, atrlen) == -1)
					goto senderr;
				break;
			default:
				say(o, KM_VPCD_WARN, "unknown control message "
				    "%02X from vpcd", body[0]);
			}
		} else if (len > 1) {
			napdu++;
			say(o, KM_VPCD_DEBUG, "> %s", hex(body, len, h1,
			    sizeof(h1)));
			if (o != NULL && o->pull != 0 && napdu == o->pull) {
				say(o, KM_VPCD_INFO, "card pulled out at APDU "
				    "%lu", napdu);
				*end = KM_VPCD_PULLED;
				goto out;
			}
			if (km_vcard_apdu(vc, body, len, resp, &rlen, &e) == -1)
				say(o, KM_VPCD_WARN, "%s", e.msg);
			say(o, KM_VPCD_DEBUG, "< %s", hex(resp, rlen, h2,
			    sizeof(h2)));
			if (send_frame(v, resp, rlen) == -1)
				goto senderr;
		}
		v->have -= 2 + len;
		memmove(v->in, v->in + 2 + len, v->have);
	}
senderr:
	if (gone(errno)) {
		say(o, KM_VPCD_INFO, "vpcd '%s' closed the connection",
		    v->name);
		*end = KM_VPCD_CLOSED;
	} else
		rv = km_errf(err, KM_ESYS, "cannot write to vpcd '%s': %s",
		    v->name, strerror(errno));
out:
	/* Out of the reader: whatever was open ends uncommitted. */
	km_vcard_reset(vc);
	close(v->fd);
	v->fd = -1;
	v->have = 0;
	return rv;
}

void
km_vpcd_close(struct km_vpcd *v)
{
	if (v == NULL)
		return;
	if (v->fd != -1)
		close(v->fd);
	free(v);
}
