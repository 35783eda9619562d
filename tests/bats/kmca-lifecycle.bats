load helper

# The certificates follow their card's lifecycle, in the same transaction:
# suspend puts them on hold, resume releases them, block revokes them for
# keyCompromise, replace as superseded, revoke and expire for
# cessationOfOperation; the OCSP responder tells at once, and a new CRL
# is written right after each commit that changed one.

setup() {
	km_ca_setup
	N=$(active)
	keypair a
	keypair s ec384
	kmca-sign -p card-auth -n "$N" a.csr > a.crt
	kmca-sign -p card-sign -n "$N" s.csr > s.crt
	A=$(serial_of a.crt)
	S=$(serial_of s.crt)
}

serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }

# The store's status and reason code of both certificates.
statuses() {
	sqlite3 km.db "SELECT status || '/' || ifnull(reason, '') FROM cert WHERE serial IN ('$A', '$S') ORDER BY id" |
	    tr '\n' ' '
}

crl_number() {
	printf '%d' "$(openssl crl -inform DER -in ca/issuing.crl -noout -crlnumber | cut -d= -f2)"
}

# crl_reason SERIAL: the reason the CRL gives for SERIAL, "-" if it does
# not list it.  The CRL must verify under the chain.
crl_reason() {
	local t
	[ "$(openssl crl -inform DER -in ca/issuing.crl -CAfile ca/chain.pem -noout -verify 2>&1)" = "verify OK" ] || return 1
	t=$(openssl crl -inform DER -in ca/issuing.crl -noout -text)
	if grep -q "Serial Number: $1\$" <<<"$t"; then
		grep -A4 "Serial Number: $1\$" <<<"$t" | sed -n '5s/^ *//p'
	else
		echo -
	fi
}

# ocsp CERT: kmca-ocsp's answer about CERT as openssl ocsp reads it:
# "good", or "revoked REASON".  openssl checks the response's signature
# and that it echoes the request's nonce.  (Given -cert, openssl ocsp
# makes a new request and ignores -reqin, so the nonce is checked apart.)
ocsp() {
	local out st rs
	openssl ocsp -issuer ca/issuing.crt -cert "$1" -reqout "$1.req" \
	    >/dev/null 2>&1 || return 1
	kmca-ocsp < "$1.req" > "$1.resp" || return 1
	[ "$(openssl ocsp -respin "$1.resp" -reqin "$1.req" \
	    -CAfile ca/chain.pem 2>&1)" = "Response verify OK" ] || return 1
	out=$(openssl ocsp -respin "$1.resp" -issuer ca/issuing.crt \
	    -CAfile ca/chain.pem -cert "$1" -no_nonce 2>/dev/null) || return 1
	st=$(sed -n "s/^$1: //p" <<<"$out")
	rs=$(sed -n 's/^[[:space:]]*Reason: //p' <<<"$out")
	echo "$st${rs:+ $rs}"
}

audit_ok() {
	run -0 --separate-stderr kmaudit-verify -t
	[ "$(cut -f1 <<<"$output")" = 1 ]
}

# The certificates' side of one step: statuses, OCSP, CRL reasons.
both() {
	[ "$(statuses)" = "$1 $1 " ]
	[ "$(ocsp a.crt)" = "$2" ]
	[ "$(ocsp s.crt)" = "$2" ]
	[ "$(crl_reason "$A")" = "$3" ]
	[ "$(crl_reason "$S")" = "$3" ]
}

@test "lifecycle: a new card's certificates are good and on no CRL" {
	both good/ good -
	[ "$(crl_number)" -eq 1 ]
	audit_ok
}

@test "lifecycle: suspend puts both on hold, resume releases them" {
	run -0 --separate-stderr kmcard-suspend -t "$N"
	[ "$output" = "$(printf '%s\tsuspended\t\t1' "$N")" ]
	[ -z "$stderr" ]
	both hold/6 "revoked certificateHold" "Certificate Hold"
	[ "$(crl_number)" -eq 2 ]
	audit_ok
	run -0 --separate-stderr kmcard-resume -t "$N"
	[ "$output" = "$(printf '%s\tactive\t\t0' "$N")" ]
	[ -z "$stderr" ]
	both good/ good -
	[ "$(crl_number)" -eq 3 ]
	run -0 openssl crl -inform DER -in ca/issuing.crl -noout -text
	[[ "$output" == *"No Revoked Certificates."* ]]
	audit_ok
	[ "$(sqlite3 km.db "SELECT action, detail FROM audit WHERE subject = '$A' ORDER BY seq" | tr '\n' ' ')" = "ca.sign|profile=card-auth key=ec256 not_after=$(sqlite3 km.db "SELECT not_after FROM cert WHERE serial = '$A'") ca.hold|reason=certificateHold card.suspend ca.release|reason=removeFromCRL card.resume " ]
}

@test "lifecycle: block revokes both for keyCompromise" {
	run -0 --separate-stderr kmcard-block -t -r lost "$N"
	[ -z "$stderr" ]
	both revoked/1 "revoked keyCompromise" "Key Compromise"
	[ "$(crl_number)" -eq 2 ]
	audit_ok
}

@test "lifecycle: a suspended card blocked: its held certificates are revoked" {
	kmcard-suspend "$N" >/dev/null
	run -0 --separate-stderr kmcard-block -t -r stolen "$N"
	[ -z "$stderr" ]
	both revoked/1 "revoked keyCompromise" "Key Compromise"
	[ "$(crl_number)" -eq 3 ]
	audit_ok
}

@test "lifecycle: replace revokes both as superseded" {
	run -0 --separate-stderr kmcard-replace -t "$N"
	[ -z "$stderr" ]
	both revoked/4 "revoked superseded" Superseded
	[ "$(crl_number)" -eq 2 ]
	# The new card has no certificate yet; one can be issued for it.
	new=$(cut -f3 <<<"$output")
	[ "$(sqlite3 km.db "SELECT count(*) FROM cert t JOIN card c ON c.id = t.card_id WHERE c.number = '$new'")" -eq 0 ]
	audit_ok
}

@test "lifecycle: revoke revokes both for cessationOfOperation" {
	run -0 --separate-stderr kmcard-revoke -t -r fraud "$N"
	[ -z "$stderr" ]
	both revoked/5 "revoked cessationOfOperation" "Cessation Of Operation"
	[ "$(crl_number)" -eq 2 ]
	audit_ok
}

@test "lifecycle: expire revokes both for cessationOfOperation" {
	exp=$(sqlite3 km.db "SELECT expires_at FROM card WHERE number = '$N'")
	after=$(date -u -d "${exp%%T*} + 2 days" +%Y-%m-%d)
	run -0 --separate-stderr kmcard-expire -t -f -d "$after"
	[ "$stderr" = "kmcard-expire: 1 card expired" ]
	[ "$output" = "$(printf '%s\texpired\t%s' "$N" "$exp")" ]
	[ "$(state_of "$N")" = expired ]
	both revoked/5 "revoked cessationOfOperation" "Cessation Of Operation"
	[ "$(crl_number)" -eq 2 ]
	audit_ok
}

@test "lifecycle: each step writes a CRL one number up" {
	kmcard-suspend "$N" >/dev/null
	[ "$(crl_number)" -eq 2 ]
	kmcard-resume "$N" >/dev/null
	[ "$(crl_number)" -eq 3 ]
	kmcard-suspend "$N" >/dev/null
	[ "$(crl_number)" -eq 4 ]
	kmcard-block -r lost "$N" >/dev/null
	[ "$(crl_number)" -eq 5 ]
	both revoked/1 "revoked keyCompromise" "Key Compromise"
	[ "$(sqlite3 km.db "SELECT group_concat(number, ' ') FROM (SELECT number FROM crl WHERE issuer = 2 ORDER BY number)")" = "1 2 3 4 5" ]
	audit_ok
}

@test "lifecycle: a step for a card without certificates writes no CRL" {
	m=$(active "$(p 1)")
	crl=$(sha256sum < ca/issuing.crl)
	run -0 --separate-stderr kmcard-suspend -t "$m"
	[ -z "$stderr" ]
	[ "$(crl_number)" -eq 1 ]
	[ "$(sha256sum < ca/issuing.crl)" = "$crl" ]
	both good/ good -
}

@test "lifecycle: a certificate revoked already is left as it is" {
	kmca-revoke -r keyCompromise "$A" >/dev/null
	[ "$(crl_number)" -eq 2 ]
	kmcard-suspend "$N" >/dev/null
	[ "$(statuses)" = "revoked/1 hold/6 " ]
	[ "$(crl_reason "$A")" = "Key Compromise" ]
	[ "$(crl_reason "$S")" = "Certificate Hold" ]
	kmcard-resume "$N" >/dev/null
	[ "$(statuses)" = "revoked/1 good/ " ]
	[ "$(ocsp a.crt)" = "revoked keyCompromise" ]
	[ "$(ocsp s.crt)" = good ]
	[ "$(crl_number)" -eq 4 ]
}

@test "lifecycle: a refused transition changes no certificate" {
	kmcard-block -r lost "$N" >/dev/null
	before=$(dump)
	crl=$(sha256sum < ca/issuing.crl)
	run -3 --separate-stderr kmcard-resume "$N"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-resume: argument 1: card '$N' is blocked: it cannot be resumed
kmcard-resume: 1 of 1 cards refused: nothing changed" ]
	run -3 --separate-stderr kmcard-suspend "$N"
	[ -z "$output" ]
	[ "$(dump)" = "$before" ]
	[ "$(sha256sum < ca/issuing.crl)" = "$crl" ]
	both revoked/1 "revoked keyCompromise" "Key Compromise"
}

@test "lifecycle: a refused card in a list changes none of the list's certificates" {
	o=$(in_state ordered "$(p 1)")
	before=$(dump)
	crl=$(sha256sum < ca/issuing.crl)
	run -3 --separate-stderr kmcard-suspend "$N" "$o"
	[ -z "$output" ]
	[ "$stderr" = "kmcard-suspend: argument 2: card '$o' is ordered: it cannot be suspended
kmcard-suspend: 1 of 2 cards refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(sha256sum < ca/issuing.crl)" = "$crl" ]
	both good/ good -
}

@test "lifecycle: kmcard-status lists the card's certificates with their status" {
	kmcard-suspend "$N" >/dev/null
	run -0 --separate-stderr kmcard-status -j "$N"
	eq() { [ "$1" = "$2" ] || { printf 'expected: %s\nactual:   %s\n' "$2" "$1"; return 1; }; }
	eq "$(jq -c '[.certificates[] | [.serial, .profile, .status, .reason]]' <<<"$output")" \
	    "[[\"$A\",\"card-auth\",\"hold\",\"certificateHold\"],[\"$S\",\"card-sign\",\"hold\",\"certificateHold\"]]"
	eq "$(jq -r '.certificates[0].not_after' <<<"$output")" \
	    "$(sqlite3 km.db "SELECT not_after FROM cert WHERE serial = '$A'")"
	run -0 --separate-stderr kmcard-status "$N"
	[[ "$output" == *"certificates"*"$A  card-auth  hold  certificateHold"* ]]
	# TSV has no lists: the record is as it was.
	run -0 --separate-stderr kmcard-status -t "$N"
	[ "$(awk -F '\t' '{ print NF }' <<<"$output")" -eq 23 ]
}

@test "lifecycle: an admin's hold outlives the card's suspension, and is the admin's to release" {
	kmca-revoke -r certificateHold "$A" >/dev/null
	kmcard-suspend "$N" >/dev/null
	# The card's hold on S cannot be released by hand.
	refuses 3 kmca-revoke -u "$S"
	[ "$stderr" = "kmca-revoke: argument 1: certificate '$S' is on hold with its suspended card: resume the card
kmca-revoke: 1 of 1 certificates refused: nothing changed" ]
	# Resuming the card releases S, not the admin's hold on A.
	kmcard-resume "$N" >/dev/null
	[ "$(statuses)" = "hold/6 good/ " ]
	[ "$(ocsp a.crt)" = "revoked certificateHold" ]
	[ "$(ocsp s.crt)" = "good" ]
	run -0 --separate-stderr kmca-revoke -u -t "$A"
	[ "$(statuses)" = "good/ good/ " ]
}
