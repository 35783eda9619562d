# helper.bash -- what every bats file of km shares: PATH to the freshly
# built programs, a scratch directory with a config, a hotlist signing key
# and a store, and small helpers to make test data.
bats_require_minimum_version 1.5.0

KM_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PATH="${KM_BIN:-$KM_ROOT/cmd}:$PATH"
export LC_ALL=C.UTF-8
unset KM_CONFIG

# km_config [role ...]: writes km.yaml giving the current user the roles
# named (all of them when none is named).  Extra YAML may follow on stdin
# when KM_EXTRA is set.
km_config() {
	local me roles r
	me=$(id -un)
	roles=${*:-clerk helpdesk admin cron device auditor}
	{
		printf 'store:\n  path: km.db\n  busy_timeout: 200\n'
		printf 'roles:\n'
		for r in $roles; do
			printf '  %s: [%s]\n' "$r" "$me"
		done
		printf 'keys:\n  hotlist_signer: hotlist.key\n'
		printf 'blacklist:\n  max_add: 5\n'
		[ -n "${KM_EXTRA:-}" ] && printf '%s\n' "$KM_EXTRA"
	} > km.yaml
	chmod 0644 km.yaml
	export KM_CONFIG="$PWD/km.yaml"
}

# km_setup: a scratch directory with config, key and a new store.
km_setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
	    -out hotlist.key 2>/dev/null
	chmod 0600 hotlist.key
	openssl pkey -in hotlist.key -pubout -out hotlist.pub 2>/dev/null
	km_config
	kmdb-init
}

# The store as SQL text, to compare before and after a refused command.
dump() {
	sqlite3 km.db .dump
}

# refuses STATUS COMMAND...: runs COMMAND, which must exit STATUS, print
# nothing on stdout and leave the store as it was; $stderr is left for the
# caller to check.
refuses() {
	local st=$1 before
	shift
	before=$(dump)
	run "-$st" --separate-stderr "$@"
	[ -z "$output" ]
	[ "$(dump)" = "$before" ]
}

# pesel YYMMDD SSSS: a valid PESEL (month already carrying the century
# offset), with serial SSSS (its last digit gives the sex).
pesel() {
	local p=$1$2 w=(1 3 7 9 1 3 7 9 1 3) s=0 i
	for i in 0 1 2 3 4 5 6 7 8 9; do
		s=$((s + ${p:i:1} * ${w[i]}))
	done
	echo "$p$(((10 - s % 10) % 10))"
}

# resident [pesel [first [surname]]]: issues a Resident Card, prints its
# number.
resident() {
	kmcard-issue -t type=resident "pesel=${1:-44051401359}" \
	    "first_name=${2:-Jan}" "surname=${3:-Kowalski}" \
	    "street=ul. Długa 5" postcode=00-950 city=Warszawa \
	    email=jan@example.pl phone=600100200 | cut -f1
}

# entrepreneur: issues an Entrepreneur Card, prints its number.
entrepreneur() {
	kmcard-issue -t type=entrepreneur nip=8567346215 regon=192598184 \
	    "company=Łódź Sp. z o.o." pesel=02211307589 first_name=Anna \
	    surname=Nowak "street=Piotrkowska 1" postcode=90-001 city=Łódź |
	    cut -f1
}

# active [pesel]: a Resident Card taken to active; prints its number.
active() {
	local n uid
	n=$(resident "$@")
	uid=$(printf '04%012X' "$((10#${n:7:8}))")
	kmcard-receive "$n" "$uid" >/dev/null &&
	    kmcard-activate "$n" >/dev/null && echo "$n"
}

# Holds the store's write lock until the file "release" appears.
lock_store() {
	( printf 'BEGIN IMMEDIATE;\n.system touch locked\n.system sh -c "while [ ! -e release ]; do sleep 0.05; done"\nCOMMIT;\n' |
	    sqlite3 km.db >/dev/null 2>&1 ) &
	while [ ! -e locked ]; do sleep 0.02; done
}
unlock_store() {
	touch release
	wait
}

# What the lifecycle tests share.

# p N: the Nth made-up PESEL, for as many holders as a test needs.
p() { pesel 800101 "$(printf '%04d' "$1")"; }

state_of() { sqlite3 km.db "SELECT state FROM card WHERE number = '$1'"; }

# Every line of $output is one JSON object.
all_json() {
	local l
	[ "${#lines[@]}" -gt 0 ]
	for l in "${lines[@]}"; do
		jq -e . <<<"$l" >/dev/null
	done
}

# The hotlist as number, source and reason, one entry a line.
hotlist() { kmblacklist -l -t | cut -f1-3; }

# in_state STATE [pesel]: a Resident Card taken to STATE by the km
# programs; prints its number, fails if it did not get there.
in_state() {
	local st=$1 n uid
	n=$(resident "${2:-44051401359}") || return 1
	uid=$(printf '04%012X' "$((10#${n:7:8}))")
	case $st in
	ordered) ;;
	personalised) kmcard-receive "$n" "$uid" ;;
	active) kmcard-receive "$n" "$uid" && kmcard-activate "$n" ;;
	suspended) kmcard-receive "$n" "$uid" && kmcard-activate "$n" &&
	    kmcard-suspend "$n" ;;
	blocked) kmcard-receive "$n" "$uid" && kmcard-activate "$n" &&
	    kmcard-block -r lost "$n" ;;
	replaced) kmcard-receive "$n" "$uid" && kmcard-activate "$n" &&
	    kmcard-replace "$n" ;;
	expired) kmcard-expire -f -d 2040-01-01 ;;
	revoked) kmcard-revoke -r fraud "$n" ;;
	*) return 1 ;;
	esac >/dev/null 2>&1 || return 1
	[ "$(state_of "$n")" = "$st" ] || return 1
	echo "$n"
}

# rec NUMBER STATE REASON HOTLISTED: one record as people see it.
rec() {
	printf 'number      %s\nstate       %s\n' "$1" "$2"
	if [ -n "$3" ]; then printf 'reason      %s\n' "$3"; fi
	printf 'hotlisted   %s\n' "$4"
}

# The CA.

# The city here offers the electronic signature on the Resident Card too
# (the card-sign profile needs a card with the esignature service).
KM_CA_YAML='cards:
  resident:
    services: [identification, eticket, payments, benefits, esignature]
ca:
  name: Gmina Testowo
  passphrase_file: ca.pass
  crl_url: http://pki.example.pl/issuing.crl
  ocsp_url: http://pki.example.pl/ocsp'

# km_ca_setup: km_setup with a ca section, then the CA made by kmca-init,
# its passphrase in ca.pass.
km_ca_setup() {
	KM_EXTRA="$KM_CA_YAML${KM_EXTRA:+
$KM_EXTRA}" km_setup || return 1
	printf 'correct horse battery staple\n' > ca.pass
	chmod 0600 ca.pass
	kmca-init >/dev/null
}

# keypair NAME [ec256|ec384|rsa2048|rsa3072|rsa1024]: NAME.key, NAME.csr
# (its CSR) and NAME.pub (its public key), made by openssl.
keypair() {
	case ${2:-ec256} in
	ec256) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 ;;
	ec384) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 ;;
	rsa*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2#rsa}" ;;
	esac > "$1.key" 2>/dev/null || return 1
	chmod 0600 "$1.key"
	openssl req -new -key "$1.key" -subj "/CN=$1" -out "$1.csr" 2>/dev/null &&
	    openssl pkey -in "$1.key" -pubout -out "$1.pub" 2>/dev/null
}

# ocsp_status CERT: asks kmca-ocsp about CERT through openssl ocsp and
# prints openssl's verdict lines ("Response verify OK", "CERT: good", ...).
# openssl builds its own request again from -cert when it checks a
# response, with a new nonce: so this one asks without a nonce (the nonce is
# tested apart, with -reqin alone).
ocsp_status() {
	openssl ocsp -issuer ca/issuing.crt -cert "$1" -no_nonce \
	    -reqout "$1.req" 2>/dev/null >/dev/null &&
	    kmca-ocsp < "$1.req" > "$1.resp" &&
	    openssl ocsp -respin "$1.resp" -no_nonce -issuer ca/issuing.crt \
	    -CAfile ca/chain.pem -cert "$1" 2>&1 |
	    grep -E "^$1: |Response verify|Reason:"
}
