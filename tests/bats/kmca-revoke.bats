load helper

# kmca-revoke: revokes certificates by serial, puts them on hold or
# releases them, outside the card lifecycle; a new CRL follows.

setup() {
	km_ca_setup
	N=$(active)
	keypair a
	keypair b
	kmca-sign -p card-auth -n "$N" a.csr > a.crt
	kmca-sign -p card-sign -n "$N" b.csr > b.crt
	A=$(serial_of a.crt)
	B=$(serial_of b.crt)
	SUBJ="serialNumber=$N,CN=Jan Kowalski,SN=Kowalski,GN=Jan,C=PL"
}

USAGE="usage: kmca-revoke [-jkt] [-c config] [-r reason | -u] [serial ...]"

serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
status_of() { sqlite3 km.db "SELECT status, reason FROM cert WHERE serial = '$1'"; }
crl_number() {
	openssl crl -inform DER -in ca/issuing.crl -noout -crlnumber | cut -d= -f2
}

# The CRL verifies under the chain; its text is left in $output.
crl_ok() {
	run -0 openssl crl -inform DER -in ca/issuing.crl -CAfile ca/chain.pem -noout -verify
	[ "$output" = "verify OK" ]
	run -0 openssl crl -inform DER -in ca/issuing.crl -noout -text
}

# in_crl SERIAL REASON: the CRL lists SERIAL with REASON.
in_crl() {
	crl_ok
	[[ "$output" == *"Serial Number: $1"$'\n'*"Revocation Date: "*$'\n'*"CRL entry extensions:"$'\n'*"X509v3 CRL Reason Code: "$'\n'*"$2"* ]]
	grep -A4 "Serial Number: $1" <<<"$output" | grep -q "^ *$2\$"
}

audit_ok() {
	run -0 --separate-stderr kmaudit-verify -t
	[ "$(cut -f1 <<<"$output")" = 1 ]
}

@test "kmca-revoke: revokes by serial, a CRL follows (human output)" {
	[ "$(crl_number)" = 0x01 ]
	run -0 --separate-stderr kmca-revoke "$A"
	[ "$output" = "serial      $A
status      revoked
reason      unspecified
profile     card-auth
subject     $SUBJ" ]
	[ -z "$stderr" ]
	[ "$(status_of "$A")" = "revoked|0" ]
	[ "$(status_of "$B")" = "good|" ]
	[ "$(crl_number)" = 0x02 ]
	in_crl "$A" Unspecified
	[[ "$output" != *"Serial Number: $B"* ]]
	[ "$(sqlite3 km.db "SELECT number, entries FROM crl WHERE issuer = 2 ORDER BY number DESC LIMIT 1")" = "2|1" ]
	audit_ok
}

@test "kmca-revoke: -r keyCompromise, -t prints serial, status, reason, profile, subject" {
	run -0 --separate-stderr kmca-revoke -t -r keyCompromise "$A"
	[ "$output" = "$(printf '%s\trevoked\tkeyCompromise\tcard-auth\t%s' "$A" "$SUBJ")" ]
	[ -z "$stderr" ]
	[ "$(status_of "$A")" = "revoked|1" ]
	in_crl "$A" "Key Compromise"
}

@test "kmca-revoke: -j prints one JSON object a certificate" {
	run -0 --separate-stderr kmca-revoke -j -r cessationOfOperation "$A" "$B"
	[ "${lines[0]}" = "{\"serial\":\"$A\",\"status\":\"revoked\",\"reason\":\"cessationOfOperation\",\"profile\":\"card-auth\",\"subject\":\"$SUBJ\"}" ]
	[ "${lines[1]}" = "{\"serial\":\"$B\",\"status\":\"revoked\",\"reason\":\"cessationOfOperation\",\"profile\":\"card-sign\",\"subject\":\"$SUBJ\"}" ]
	[ "${#lines[@]}" -eq 2 ]
	all_json
	[ -z "$stderr" ]
	in_crl "$A" "Cessation Of Operation"
	in_crl "$B" "Cessation Of Operation"
}

@test "kmca-revoke: the other reasons" {
	for r in affiliationChanged superseded privilegeWithdrawn; do
		kmca-sign -p card-auth -n "$N" a.csr > x.crt
		s=$(serial_of x.crt)
		run -0 --separate-stderr kmca-revoke -t -r "$r" "$s"
		[ "$(cut -f2,3 <<<"$output")" = "$(printf 'revoked\t%s' "$r")" ]
		[ -z "$stderr" ]
	done
	crl_ok
	[[ "$output" == *"Affiliation Changed"* ]]
	[[ "$output" == *"Superseded"* ]]
	[[ "$output" == *"Privilege Withdrawn"* ]]
}

@test "kmca-revoke: serials on stdin, lower case and with colons too" {
	lower=$(tr A-F a-f <<<"$A")
	colons=$(sed 's/../&:/g; s/:$//' <<<"$B")
	printf '# two\n%s\n\n  %s  \n' "$lower" "$colons" > list
	run -0 --separate-stderr kmca-revoke -t -r keyCompromise < list
	[ "$(cut -f1-3 <<<"$output")" = "$(printf '%s\trevoked\tkeyCompromise\n%s\trevoked\tkeyCompromise' "$A" "$B")" ]
	[ -z "$stderr" ]
	[ "$(crl_number)" = 0x02 ]
}

@test "kmca-revoke: -r certificateHold, then -u releases" {
	run -0 --separate-stderr kmca-revoke -t -r certificateHold "$A"
	[ "$output" = "$(printf '%s\thold\tcertificateHold\tcard-auth\t%s' "$A" "$SUBJ")" ]
	[ -z "$stderr" ]
	[ "$(status_of "$A")" = "hold|6" ]
	[ "$(crl_number)" = 0x02 ]
	in_crl "$A" "Certificate Hold"
	run -0 --separate-stderr kmca-revoke -t -u "$A"
	[ "$output" = "$(printf '%s\tgood\t\tcard-auth\t%s' "$A" "$SUBJ")" ]
	[ -z "$stderr" ]
	[ "$(status_of "$A")" = "good|" ]
	[ "$(crl_number)" = 0x03 ]
	crl_ok
	[[ "$output" == *"No Revoked Certificates."* ]]
	audit_ok
	[ "$(sqlite3 km.db "SELECT action FROM audit WHERE subject = '$A' ORDER BY seq" | tr '\n' ' ')" = "ca.sign ca.hold ca.release " ]
}

@test "kmca-revoke: a held certificate can be revoked for good" {
	kmca-revoke -r certificateHold "$A" >/dev/null
	run -0 --separate-stderr kmca-revoke -t -r keyCompromise "$A"
	[ "$(cut -f2,3 <<<"$output")" = "$(printf 'revoked\tkeyCompromise')" ]
	[ "$(crl_number)" = 0x03 ]
	in_crl "$A" "Key Compromise"
}

@test "kmca-revoke: revoking twice is refused, nothing changes" {
	kmca-revoke -r keyCompromise "$A" >/dev/null
	before=$(dump)
	crl=$(sha256sum < ca/issuing.crl)
	run -3 --separate-stderr kmca-revoke -r superseded "$A"
	[ -z "$output" ]
	[ "$stderr" = "kmca-revoke: argument 1: certificate '$A' is revoked already (keyCompromise)
kmca-revoke: 1 of 1 certificates refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
	[ "$(sha256sum < ca/issuing.crl)" = "$crl" ]
}

@test "kmca-revoke: holding twice or releasing a good one is refused" {
	kmca-revoke -r certificateHold "$A" >/dev/null
	before=$(dump)
	run -3 --separate-stderr kmca-revoke -r certificateHold "$A"
	[ -z "$output" ]
	[ "$stderr" = "kmca-revoke: argument 1: certificate '$A' is on hold already
kmca-revoke: 1 of 1 certificates refused: nothing changed" ]
	run -3 --separate-stderr kmca-revoke -u "$B"
	[ -z "$output" ]
	[ "$stderr" = "kmca-revoke: argument 1: certificate '$B' is not on hold
kmca-revoke: 1 of 1 certificates refused: nothing changed" ]
	[ "$(dump)" = "$before" ]
}

@test "kmca-revoke: an unknown serial is not found" {
	refuses 1 kmca-revoke 0102030405060708
	[ "$stderr" = "kmca-revoke: argument 1: certificate '0102030405060708': not found
kmca-revoke: 1 of 1 certificates refused: nothing changed" ]
}

@test "kmca-revoke: a serial that is not hex is refused" {
	refuses 3 kmca-revoke "$A" xyz
	[ "$stderr" = "kmca-revoke: argument 2: serial 'xyz': not a serial number in hex (up to 20 bytes)
kmca-revoke: 1 of 2 certificates refused: nothing changed" ]
	[ "$(status_of "$A")" = "good|" ]
}

@test "kmca-revoke: an unknown reason is a usage error" {
	before=$(dump)
	run -2 --separate-stderr kmca-revoke -r lost "$A"
	[ -z "$output" ]
	[ "$stderr" = "kmca-revoke: unknown reason 'lost' (keyCompromise, superseded, cessationOfOperation, certificateHold, ...)
$USAGE" ]
	run -2 --separate-stderr kmca-revoke -r removeFromCRL "$A"
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "kmca-revoke: unknown reason 'removeFromCRL' (keyCompromise, superseded, cessationOfOperation, certificateHold, ...)" ]
	[ "$(dump)" = "$before" ]
}

@test "kmca-revoke: -r with -u is a usage error" {
	refuses 2 kmca-revoke -u -r keyCompromise "$A"
	[ "$stderr" = "$USAGE" ]
}

@test "kmca-revoke: one refused serial in a list changes nothing" {
	refuses 1 kmca-revoke -r keyCompromise "$A" 0A0B0C0D0E0F1011 "$B"
	[ "$stderr" = "kmca-revoke: argument 2: certificate '0A0B0C0D0E0F1011': not found
kmca-revoke: 1 of 3 certificates refused: nothing changed" ]
	[ "$(crl_number)" = 0x01 ]
}

@test "kmca-revoke: -k keeps the good ones of a list" {
	run -1 --separate-stderr kmca-revoke -k -t -r keyCompromise "$A" 0A0B0C0D0E0F1011 "$B"
	[ "$(cut -f1,2 <<<"$output")" = "$(printf '%s\trevoked\n%s\trevoked' "$A" "$B")" ]
	[ "$stderr" = "kmca-revoke: argument 2: certificate '0A0B0C0D0E0F1011': not found
kmca-revoke: 1 of 3 certificates refused, 2 changed" ]
	[ "$(status_of "$A")/$(status_of "$B")" = "revoked|1/revoked|1" ]
	[ "$(crl_number)" = 0x02 ]
	in_crl "$A" "Key Compromise"
	in_crl "$B" "Key Compromise"
}

@test "kmca-revoke: the OCSP responder's certificate can be revoked" {
	o=$(serial_of ca/ocsp.crt)
	run -0 --separate-stderr kmca-revoke -t -r keyCompromise "$o"
	[ "$output" = "$(printf '%s\trevoked\tkeyCompromise\tocsp\tCN=Gmina Testowo OCSP Responder,O=Gmina Testowo,C=PL' "$o")" ]
	in_crl "$o" "Key Compromise"
}

@test "kmca-revoke: the roles other than admin are refused" {
	for role in clerk helpdesk cron; do
		KM_EXTRA="$KM_CA_YAML" km_config "$role"
		before=$(dump)
		run -3 --separate-stderr kmca-revoke "$A"
		[ -z "$output" ]
		[ "$stderr" = "kmca-revoke: permission denied for user '$(id -un)': needs the role admin (roles in km.yaml(5))" ]
		[ "$(dump)" = "$before" ]
	done
}

@test "kmca-revoke: -h prints usage on stdout" {
	run -0 --separate-stderr kmca-revoke -h
	[ "$output" = "$USAGE" ]
	[ -z "$stderr" ]
}

@test "kmca-revoke: -V prints the version" {
	run -0 --separate-stderr kmca-revoke -V
	[ "$output" = "kmca-revoke (km) 0.1.0" ]
	[ -z "$stderr" ]
}

@test "kmca-revoke: unknown option is a usage error" {
	refuses 2 kmca-revoke -x "$A"
	[ "$stderr" = "kmca-revoke: invalid option -- 'x'
$USAGE" ]
}
