load helper
setup() { km_ca_setup; }

# kmca-crl: writes a new numbered CRL of the issuing CA (and of the root
# with -r), for cron and after revocations whose program could not open
# the issuing key.

USAGE="usage: kmca-crl [-djrt] [-c config]"

serial_of() { openssl x509 -in "$1" -noout -serial | cut -d= -f2; }
crl_number() {
	openssl crl -inform DER -in "ca/${1:-issuing}.crl" -noout -crlnumber |
	    cut -d= -f2
}
# days CRL: nextUpdate - lastUpdate of ca/CRL in days.
days() {
	local lu nu
	lu=$(openssl crl -inform DER -in "ca/$1" -noout -lastupdate | cut -d= -f2)
	nu=$(openssl crl -inform DER -in "ca/$1" -noout -nextupdate | cut -d= -f2)
	echo $((($(date -u -d "$nu" +%s) - $(date -u -d "$lu" +%s)) / 86400))
}

# cert NAME [profile]: a certificate NAME.crt for a new active card.
cert() {
	local n
	NCARD=$((${NCARD:-0} + 1))
	n=$(active "$(p "$NCARD")") &&
	    keypair "$1" &&
	    kmca-sign -p "${2:-card-auth}" -n "$n" "$1.csr" > "$1.crt"
}

crl_verifies() {
	run -0 openssl crl -inform DER -in ca/issuing.crl -CAfile ca/chain.pem -noout -verify
	[ "$output" = "verify OK" ]
}

@test "kmca-crl: writes a CRL numbered one above the last (human output)" {
	[ "$(crl_number)" = 0x01 ]
	run -0 --separate-stderr kmca-crl
	[ "$output" = "ca          issuing
written     yes
number      2
entries     0" ]
	[ -z "$stderr" ]
	[ "$(crl_number)" = 0x02 ]
	crl_verifies
	run -0 --separate-stderr kmca-crl
	[ "${lines[2]}" = "number      3" ]
	[ "$(crl_number)" = 0x03 ]
	crl_verifies
	[ "$(sqlite3 km.db "SELECT number FROM crl WHERE issuer = 2 ORDER BY number" | tr '\n' ' ')" = "1 2 3 " ]
}

@test "kmca-crl: the PEM file is the DER file, and the store has its hash" {
	run -0 --separate-stderr kmca-crl -t
	[ "$(openssl crl -in ca/issuing.crl.pem -outform DER | sha256sum)" = "$(sha256sum < ca/issuing.crl)" ]
	[ "$(sqlite3 km.db "SELECT sha256 FROM crl WHERE issuer = 2 AND number = 2")" = "$(sha256sum < ca/issuing.crl | cut -d' ' -f1)" ]
	[ "$(stat -c %a ca/issuing.crl)/$(stat -c %a ca/issuing.crl.pem)" = 644/644 ]
}

@test "kmca-crl: nextUpdate is thisUpdate plus ca.crl_days" {
	run -0 --separate-stderr kmca-crl
	[ "$(days issuing.crl)" -eq 7 ]
	KM_EXTRA="$KM_CA_YAML
  crl_days: 30" km_config
	run -0 --separate-stderr kmca-crl -t
	[ "$output" = "$(printf 'issuing\t1\t3\t0')" ]
	[ "$(days issuing.crl)" -eq 30 ]
	crl_verifies
	# The store says the same.
	run -0 sqlite3 km.db "SELECT this_update, next_update FROM crl WHERE issuer = 2 AND number = 3"
	IFS='|' read -r tu nu <<<"$output"
	[ $((($(date -u -d "$nu" +%s) - $(date -u -d "$tu" +%s)) / 86400)) -eq 30 ]
	[ "$(date -u -d "$tu" +%s)" = "$(date -u -d "$(openssl crl -inform DER -in ca/issuing.crl -noout -lastupdate | cut -d= -f2)" +%s)" ]
}

@test "kmca-crl: -t and -j print ca, written, number, entries" {
	run -0 --separate-stderr kmca-crl -t
	[ "$output" = "$(printf 'issuing\t1\t2\t0')" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmca-crl -j
	[ "$output" = '{"ca":"issuing","written":true,"number":3,"entries":0}' ]
	all_json
	[ -z "$stderr" ]
}

@test "kmca-crl: lists the revoked and held certificates with their reasons" {
	cert a
	cert b
	cert c
	kmca-revoke -r keyCompromise "$(serial_of a.crt)" >/dev/null
	kmca-revoke -r certificateHold "$(serial_of b.crt)" >/dev/null
	run -0 --separate-stderr kmca-crl -t
	[ "$output" = "$(printf 'issuing\t1\t4\t2')" ]
	crl_verifies
	run -0 openssl crl -inform DER -in ca/issuing.crl -noout -text
	grep -A4 "Serial Number: $(serial_of a.crt)" <<<"$output" | grep -q '^ *Key Compromise$'
	grep -A4 "Serial Number: $(serial_of b.crt)" <<<"$output" | grep -q '^ *Certificate Hold$'
	[[ "$output" != *"$(serial_of c.crt)"* ]]
	[ "$(grep -c 'Serial Number' <<<"$output")" -eq 2 ]
	# The revocation date is the store's.
	at=$(sqlite3 km.db "SELECT revoked_at FROM cert WHERE serial = '$(serial_of a.crt)'")
	rd=$(grep -A1 "Serial Number: $(serial_of a.crt)" <<<"$output" | sed -n 's/.*Revocation Date: //p')
	[ "$(date -u -d "$rd" +%Y-%m-%dT%H:%M:%SZ)" = "$at" ]
}

@test "kmca-crl: expired certificates are left out" {
	cert a
	cert b
	kmca-revoke -r keyCompromise "$(serial_of a.crt)" "$(serial_of b.crt)" >/dev/null
	sqlite3 km.db "UPDATE cert SET not_after = '2001-01-01T00:00:00Z' WHERE serial = '$(serial_of a.crt)'"
	run -0 --separate-stderr kmca-crl -t
	[ "$(cut -f4 <<<"$output")" = 1 ]
	run -0 openssl crl -inform DER -in ca/issuing.crl -noout -text
	[[ "$output" != *"$(serial_of a.crt)"* ]]
	[[ "$output" == *"Serial Number: $(serial_of b.crt)"* ]]
}

@test "kmca-crl: -d writes nothing when no CRL is due" {
	before=$(dump)
	crl=$(sha256sum < ca/issuing.crl)
	run -0 --separate-stderr kmca-crl -t -d
	[ "$output" = "$(printf 'issuing\t0\t\t')" ]
	[ -z "$stderr" ]
	run -0 --separate-stderr kmca-crl -d
	[ "$output" = "ca          issuing
written     no" ]
	run -0 --separate-stderr kmca-crl -j -d
	[ "$output" = '{"ca":"issuing","written":false,"number":null,"entries":null}' ]
	[ "$(dump)" = "$before" ]
	[ "$(sha256sum < ca/issuing.crl)" = "$crl" ]
}

@test "kmca-crl: -d writes the CRL a lifecycle program could not" {
	n=$(active)
	keypair a
	kmca-sign -p card-auth -n "$n" a.csr > a.crt
	mv ca.pass ca.pass.away
	run -0 --separate-stderr kmcard-suspend -t "$n"
	[ "$output" = "$(printf '%s\tsuspended\t\t1' "$n")" ]
	[ "$stderr" = "kmcard-suspend: warning: CRL not written: cannot read passphrase file '$PWD/ca.pass': No such file or directory; kmca-crl will write it" ]
	[ "$(crl_number)" = 0x01 ]
	[ "$(sqlite3 km.db "SELECT status FROM cert WHERE serial = '$(serial_of a.crt)'")" = hold ]
	# Without the passphrase kmca-crl cannot either, and says so.
	refuses 3 kmca-crl -d
	[ "$stderr" = "kmca-crl: cannot read passphrase file '$PWD/ca.pass': No such file or directory" ]
	mv ca.pass.away ca.pass
	run -0 --separate-stderr kmca-crl -t -d
	[ "$output" = "$(printf 'issuing\t1\t2\t1')" ]
	[ -z "$stderr" ]
	crl_verifies
	run -0 openssl crl -inform DER -in ca/issuing.crl -noout -text
	grep -A4 "Serial Number: $(serial_of a.crt)" <<<"$output" | grep -q '^ *Certificate Hold$'
	# Written: no more is due.
	run -0 --separate-stderr kmca-crl -t -d
	[ "$output" = "$(printf 'issuing\t0\t\t')" ]
	[ "$(crl_number)" = 0x02 ]
}

@test "kmca-crl: -r writes the root's CRL too" {
	run -0 --separate-stderr kmca-crl -t -r
	[ "$output" = "$(printf 'issuing\t1\t2\t0\nroot\t1\t2\t0')" ]
	[ -z "$stderr" ]
	[ "$(crl_number root)" = 0x02 ]
	run -0 openssl crl -inform DER -in ca/root.crl -CAfile ca/root.crt -noout -verify
	[ "$output" = "verify OK" ]
	[ "$(days root.crl)" -eq 365 ]
	[ "$(openssl crl -in ca/root.crl.pem -outform DER | sha256sum)" = "$(sha256sum < ca/root.crl)" ]
	run -0 openssl crl -inform DER -in ca/root.crl -noout -issuer
	[ "$output" = "issuer=C = PL, O = Gmina Testowo, CN = Gmina Testowo Root CA" ]
}

@test "kmca-crl: the cron role may write it, a clerk may not" {
	KM_EXTRA="$KM_CA_YAML" km_config cron
	run -0 --separate-stderr kmca-crl -t
	[ "$output" = "$(printf 'issuing\t1\t2\t0')" ]
	[ -z "$stderr" ]
	[ "$(sqlite3 km.db "SELECT actor FROM crl WHERE issuer = 2 AND number = 2")" = "$(id -un)" ]
	KM_EXTRA="$KM_CA_YAML" km_config clerk helpdesk device
	refuses 3 kmca-crl
	[ "$stderr" = "kmca-crl: permission denied for user '$(id -un)': needs the role admin or cron (roles in km.yaml(5))" ]
	[ "$(crl_number)" = 0x02 ]
}

@test "kmca-crl: without a CA in the store it is refused" {
	rm km.db
	kmdb-init >/dev/null
	refuses 3 kmca-crl
	[ "$stderr" = "kmca-crl: no CA in the store: run kmca-init" ]
}

@test "kmca-crl: the audit chain verifies after, with a row a CRL" {
	kmca-crl >/dev/null
	kmca-crl -r >/dev/null
	run -0 --separate-stderr kmaudit-verify -t
	[ "$(cut -f1 <<<"$output")" = 1 ]
	[ "$(sqlite3 km.db "SELECT subject, detail FROM audit WHERE action = 'ca.crl' ORDER BY seq" | tr '\n' ' ')" = "root|number=1 entries=0 issuing|number=1 entries=0 issuing|number=2 entries=0 issuing|number=3 entries=0 root|number=2 entries=0 " ]
}

@test "kmca-crl: -h prints usage on stdout" {
	run -0 --separate-stderr kmca-crl -h
	[ "$output" = "$USAGE" ]
	[ -z "$stderr" ]
}

@test "kmca-crl: -V prints the version" {
	run -0 --separate-stderr kmca-crl -V
	[ "$output" = "kmca-crl (km) 0.1.0" ]
	[ -z "$stderr" ]
}

@test "kmca-crl: unknown option or an operand is a usage error" {
	before=$(dump)
	run -2 --separate-stderr kmca-crl -x
	[ -z "$output" ]
	[ "$stderr" = "kmca-crl: invalid option -- 'x'
$USAGE" ]
	run -2 --separate-stderr kmca-crl issuing
	[ -z "$output" ]
	[ "$stderr" = "$USAGE" ]
	[ "$(dump)" = "$before" ]
}
