# helper.bash -- what every bats file of km shares: PATH to the freshly
# built programs, a scratch directory with a config, a hotlist signing key
# and a store, and small helpers to make test data.
bats_require_minimum_version 1.5.0

KM_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
PATH="$KM_ROOT/cmd:$PATH"
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
