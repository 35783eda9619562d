load helper
setup() { km_ca_setup; }

# kmca-ocsp: the OCSP responder; a DER request on stdin, the DER response
# on stdout, answered from the store.  Requests are made and responses
# checked by openssl ocsp, the peer every client stands for.

USAGE="usage: kmca-ocsp [-g] [-c config]"

# card_cert NAME [pesel]: a card-auth certificate NAME.crt for a new active
# card; the card's number goes to NAME.card.
card_cert() {
	local n
	n=$(active "${2:-$(p 1)}") || return 1
	echo "$n" > "$1.card"
	keypair "$1" || return 1
	kmca-sign -p card-auth -n "$n" "$1.csr" > "$1.crt"
}

# ask REQ [openssl ocsp options]: makes REQ with openssl ocsp from the
# options and has kmca-ocsp answer it into REQ.resp; $status, $output and
# $stderr are kmca-ocsp's.
ask() {
	local req=$1
	shift
	openssl ocsp -issuer ca/issuing.crt "$@" -reqout "$req" \
	    >/dev/null 2>&1 || return 1
	run --separate-stderr sh -c 'kmca-ocsp < "$1" > "$1.resp"' sh "$req"
}

# verified REQ: openssl checks REQ.resp against REQ (signature by the
# responder up to the root, the nonce) and says so.
verified() {
	run -0 --separate-stderr openssl ocsp -respin "$1.resp" -reqin "$1" \
	    -issuer ca/issuing.crt -CAfile ca/chain.pem
	[ "$stderr" = "Response verify OK" ]
}

# status_of REQ CERT [digest]: the status openssl reads in REQ.resp for
# CERT, as the line "CERT: status" and the reason line if any.
status_of() {
	openssl ocsp -respin "$1.resp" -issuer ca/issuing.crt \
	    -CAfile ca/chain.pem ${3:+"-$3"} -cert "$2" -no_nonce 2>/dev/null |
	    grep -E "^$2: |Reason:" | sed 's/^[[:space:]]*//'
}

# The status of the unsuccessful response in FILE, as openssl reads it.
resp_status() {
	openssl ocsp -respin "$1" -resp_text -noverify 2>&1 |
	    sed -n 's/^Responder Error: //p'
}

@test "kmca-ocsp: a good certificate, request with a nonce" {
	card_cert a
	before=$(dump)
	ask a.req -cert a.crt
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ -z "$stderr" ]
	verified a.req
	[ "$(status_of a.req a.crt)" = "a.crt: good" ]
	# the nonce of the request is in the response
	n1=$(openssl ocsp -reqin a.req -req_text | grep -A1 'OCSP Nonce' | tail -1)
	n2=$(openssl ocsp -respin a.req.resp -resp_text | grep -A1 'OCSP Nonce' | tail -1)
	[ -n "$n1" ] && [ "$n1" = "$n2" ]
	[ "$(dump)" = "$before" ]
}

@test "kmca-ocsp: the response answers its own request's nonce only" {
	card_cert a
	ask a.req -cert a.crt
	[ "$status" -eq 0 ]
	openssl ocsp -issuer ca/issuing.crt -cert a.crt -reqout b.req >/dev/null 2>&1
	run -1 --separate-stderr openssl ocsp -respin a.req.resp -reqin b.req \
	    -issuer ca/issuing.crt -CAfile ca/chain.pem
	[[ "$stderr" == *"Nonce Verify error"* ]]
}

@test "kmca-ocsp: a request without a nonce" {
	card_cert a
	ask a.req -no_nonce -cert a.crt
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	verified a.req
	[ "$(status_of a.req a.crt)" = "a.crt: good" ]
	run -0 openssl ocsp -respin a.req.resp -resp_text -noverify
	[[ "$output" != *"OCSP Nonce"* ]]
}

@test "kmca-ocsp: a CertID hashed with SHA-256" {
	card_cert a
	ask a.req -sha256 -cert a.crt
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	verified a.req
	[ "$(status_of a.req a.crt sha256)" = "a.crt: good" ]
	run -0 openssl ocsp -respin a.req.resp -resp_text -noverify
	[[ "$output" == *"Hash Algorithm: sha256"* ]]
}

@test "kmca-ocsp: two certificates in one request, one revoked" {
	card_cert a "$(p 1)"
	card_cert b "$(p 2)"
	kmcard-block -r stolen "$(cat b.card)" >/dev/null
	ask ab.req -cert a.crt -cert b.crt
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	verified ab.req
	[ "$(status_of ab.req a.crt)" = "a.crt: good" ]
	[ "$(status_of ab.req b.crt)" = "b.crt: revoked
Reason: keyCompromise" ]
}

@test "kmca-ocsp: a blocked card's certificate is revoked at once" {
	card_cert a
	kmcard-block -r lost "$(cat a.card)" >/dev/null
	[ ! -e ca/issuing.crl.new ]
	before=$(dump)
	ask a.req -cert a.crt
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	verified a.req
	[ "$(status_of a.req a.crt)" = "a.crt: revoked
Reason: keyCompromise" ]
	[ "$(dump)" = "$before" ]
}

@test "kmca-ocsp: suspended is certificateHold, resumed is good again" {
	card_cert a
	n=$(cat a.card)
	kmcard-suspend "$n" >/dev/null
	ask a.req -cert a.crt
	[ "$status" -eq 0 ]
	verified a.req
	[ "$(status_of a.req a.crt)" = "a.crt: revoked
Reason: certificateHold" ]
	kmcard-resume "$n" >/dev/null
	ask b.req -cert a.crt
	[ "$status" -eq 0 ]
	verified b.req
	[ "$(status_of b.req a.crt)" = "a.crt: good" ]
}

@test "kmca-ocsp: a serial the CA never issued is unknown" {
	keypair x
	openssl x509 -req -in x.csr -CA ca/issuing.crt -CAkey ca/issuing.key \
	    -passin file:ca.pass -set_serial 12345 -days 30 -out x.crt 2>/dev/null
	ask x.req -cert x.crt
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	verified x.req
	[ "$(status_of x.req x.crt)" = "x.crt: unknown" ]
}

@test "kmca-ocsp: a request about another CA's certificate is unauthorized (exit 1)" {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout other.key -subj /CN=Other -days 30 -out other.crt 2>/dev/null
	keypair x
	openssl x509 -req -in x.csr -CA other.crt -CAkey other.key \
	    -set_serial 7 -days 30 -out x.crt 2>/dev/null
	before=$(dump)
	run --separate-stderr sh -c 'openssl ocsp -issuer other.crt -cert x.crt -reqout x.req >/dev/null 2>&1 && kmca-ocsp < x.req > x.resp'
	[ "$status" -eq 1 ]
	[ -z "$output" ]
	[ "$stderr" = "kmca-ocsp: OCSP request about certificates of another CA" ]
	[ "$(resp_status x.resp)" = "unauthorized (6)" ]
	[ "$(dump)" = "$before" ]
}

# malformed FILE MESSAGE: kmca-ocsp answers malformedRequest to FILE, says
# MESSAGE, exits 3 and writes nothing to the store.
malformed() {
	local before
	refuses 3 sh -c 'kmca-ocsp < "$1" > resp.der' sh "$1"
	[ "$stderr" = "kmca-ocsp: $2" ]
	[ "$(resp_status resp.der)" = "malformedrequest (1)" ]
}

@test "kmca-ocsp: garbage is a malformed request (exit 3)" {
	printf 'GET /ocsp HTTP/1.0\r\n\r\n' > bad.der
	malformed bad.der "malformed OCSP request"
}

@test "kmca-ocsp: a truncated request is malformed (exit 3)" {
	card_cert a
	openssl ocsp -issuer ca/issuing.crt -cert a.crt -reqout a.req >/dev/null 2>&1
	head -c 40 a.req > short.der
	malformed short.der "malformed OCSP request"
}

@test "kmca-ocsp: bytes after the request are malformed (exit 3)" {
	card_cert a
	openssl ocsp -issuer ca/issuing.crt -cert a.crt -reqout a.req >/dev/null 2>&1
	{ cat a.req; printf 'xx'; } > long.der
	malformed long.der "malformed OCSP request: 2 bytes after its end"
}

@test "kmca-ocsp: an empty request is malformed (exit 3)" {
	: > empty.der
	malformed empty.der "malformed OCSP request: 0 bytes"
}

@test "kmca-ocsp: a request over 64 KiB is malformed (exit 3)" {
	head -c 70000 /dev/zero > big.der
	malformed big.der "malformed OCSP request: longer than 64 KiB"
}

@test "kmca-ocsp: -g answers a POST with the CGI header" {
	card_cert a
	openssl ocsp -issuer ca/issuing.crt -cert a.crt -reqout a.req >/dev/null 2>&1
	before=$(dump)
	run -0 --separate-stderr sh -c 'REQUEST_METHOD=POST CONTENT_LENGTH=$(wc -c < a.req) kmca-ocsp -g < a.req > out'
	[ -z "$output" ]
	[ -z "$stderr" ]
	head -c 100 out | tr -d '\r' | head -3 > hdr
	tail -c +$(($(wc -c < hdr) + 4)) out > a.req.resp
	[ "$(cat hdr)" = "Content-Type: application/ocsp-response
Content-Length: $(wc -c < a.req.resp)" ]
	# the DER starts right after CRLF CRLF
	[ "$(head -c $(($(wc -c < hdr) + 3)) out | tail -c 4 | od -An -tx1 | tr -d ' ')" = 0d0a0d0a ]
	verified a.req
	[ "$(status_of a.req a.crt)" = "a.crt: good" ]
	[ "$(dump)" = "$before" ]
}

@test "kmca-ocsp: -g answers a GET of the URL-encoded base64 request" {
	card_cert a
	openssl ocsp -issuer ca/issuing.crt -cert a.crt -reqout a.req >/dev/null 2>&1
	b64=$(base64 -w0 a.req | sed 's/+/%2B/g; s,/,%2F,g; s/=/%3D/g')
	run -0 --separate-stderr sh -c 'REQUEST_METHOD=GET PATH_INFO="/ocsp/$1" kmca-ocsp -g < /dev/null > out' sh "$b64"
	[ -z "$stderr" ]
	head -c 100 out | tr -d '\r' | head -3 > hdr
	tail -c +$(($(wc -c < hdr) + 4)) out > a.req.resp
	[ "$(head -1 hdr)" = "Content-Type: application/ocsp-response" ]
	[ "$(sed -n 2p hdr)" = "Content-Length: $(wc -c < a.req.resp)" ]
	verified a.req
	[ "$(status_of a.req a.crt)" = "a.crt: good" ]
}

@test "kmca-ocsp: -g GET with bad base64 is malformed (exit 3)" {
	refuses 3 sh -c 'REQUEST_METHOD=GET PATH_INFO=/ocsp/@@@@ kmca-ocsp -g > out'
	[ "$stderr" = "kmca-ocsp: malformed OCSP request: no base64 OCSP request in PATH_INFO" ]
	tr -d '\r' < out | head -2 | head -1 | grep -qx 'Content-Type: application/ocsp-response'
}

@test "kmca-ocsp: -g GET without a request in PATH_INFO is malformed (exit 3)" {
	run -3 --separate-stderr sh -c 'REQUEST_METHOD=GET PATH_INFO=/ocsp/ kmca-ocsp -g > out'
	[ -z "$output" ]
	[ "$stderr" = "kmca-ocsp: malformed OCSP request: no base64 OCSP request in PATH_INFO" ]
	run -3 --separate-stderr sh -c 'REQUEST_METHOD=GET kmca-ocsp -g > out'
	[ -z "$output" ]
	[ "$stderr" = "kmca-ocsp: malformed OCSP request: no request in PATH_INFO" ]
}

@test "kmca-ocsp: -g GET takes the request whatever path comes before it" {
	card_cert a
	# Until the request's base64 has a '/' of its own.
	for i in $(seq 50); do
		openssl ocsp -issuer ca/issuing.crt -cert a.crt -reqout a.req \
		    >/dev/null 2>&1
		b64=$(base64 -w0 a.req)
		[[ "$b64" == */* ]] && break
	done
	[[ "$b64" == */* ]]
	for pi in "/$b64" "/ocsp/$b64" "/a/b/$(printf %s "$b64" | sed 's,/,%2F,g')"; do
		run -0 --separate-stderr sh -c 'REQUEST_METHOD=GET PATH_INFO="$1" kmca-ocsp -g < /dev/null > out' sh "$pi"
		[ -z "$stderr" ]
		head -c 100 out | tr -d '\r' | head -3 > hdr
		tail -c +$(($(wc -c < hdr) + 4)) out > a.req.resp
		verified a.req
		[ "$(status_of a.req a.crt)" = "a.crt: good" ]
	done
}

@test "kmca-ocsp: the device role may answer" {
	card_cert a
	KM_EXTRA=$KM_CA_YAML km_config device
	ask a.req -cert a.crt
	[ "$status" -eq 0 ]
	[ -z "$stderr" ]
	verified a.req
}

@test "kmca-ocsp: a clerk-only user is refused (exit 3)" {
	card_cert a
	openssl ocsp -issuer ca/issuing.crt -cert a.crt -reqout a.req >/dev/null 2>&1
	KM_EXTRA=$KM_CA_YAML km_config clerk
	refuses 3 kmca-ocsp < a.req
	[ "$stderr" = "kmca-ocsp: permission denied for user '$(id -un)': needs the role admin or device (roles in km.yaml(5))" ]
}

@test "kmca-ocsp: a store without a CA is a config error (exit 3)" {
	rm km.db
	kmdb-init
	openssl ocsp -issuer ca/issuing.crt -serial 0x01 -reqout a.req >/dev/null 2>&1
	run -3 --separate-stderr sh -c 'kmca-ocsp < a.req > resp.der'
	[ -z "$output" ]
	[ "$stderr" = "kmca-ocsp: no CA in the store: run kmca-init" ]
	[ "$(resp_status resp.der)" = "internalerror (2)" ]
}

@test "kmca-ocsp: -h prints usage on stdout" {
	run -0 --separate-stderr kmca-ocsp -h
	[ "$output" = "$USAGE" ]
	[ -z "$stderr" ]
}

@test "kmca-ocsp: an operand is a usage error" {
	run -2 --separate-stderr kmca-ocsp req.der
	[ -z "$output" ]
	[ "$stderr" = "$USAGE" ]
}

@test "kmca-ocsp: unknown option is a usage error" {
	run -2 --separate-stderr kmca-ocsp -x
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "kmca-ocsp: invalid option -- 'x'" ]
	[ "${stderr_lines[1]}" = "$USAGE" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
}
