package keystore

// migrations[i] upgrades the schema from version i to i+1. Append only:
// never edit a migration that has shipped.
var migrations = []string{
	// 0 → 1: the initial schema.
	`
CREATE TABLE meta (
	name  TEXT PRIMARY KEY,
	value BLOB NOT NULL
) STRICT;

CREATE TABLE identity (
	id         INTEGER PRIMARY KEY CHECK (id = 1),
	public     BLOB NOT NULL,
	sealed     BLOB NOT NULL,
	created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE shares (
	key_id     TEXT NOT NULL,
	epoch      INTEGER NOT NULL CHECK (epoch >= 0),
	scheme     TEXT NOT NULL,
	public_key BLOB NOT NULL,
	sealed     BLOB,                      -- NULL once destroyed
	status     TEXT NOT NULL CHECK (status IN ('pending', 'active', 'superseded', 'destroyed')),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	PRIMARY KEY (key_id, epoch),
	CHECK ((status = 'destroyed') = (sealed IS NULL))
) STRICT;

CREATE UNIQUE INDEX shares_one_active ON shares (key_id) WHERE status = 'active';

-- FROST nonces and CGGMP presignatures. A consumed row keeps its id and
-- loses its secret; it is never deleted.
CREATE TABLE one_time (
	kind        TEXT NOT NULL CHECK (kind IN ('nonce', 'presignature')),
	key_id      TEXT NOT NULL,
	id          TEXT NOT NULL,
	sealed      BLOB,                     -- NULL once consumed
	created_at  INTEGER NOT NULL,
	consumed_at INTEGER,
	PRIMARY KEY (kind, key_id, id),
	CHECK ((consumed_at IS NULL) = (sealed IS NOT NULL))
) STRICT;

CREATE INDEX one_time_unused ON one_time (kind, key_id) WHERE consumed_at IS NULL;

CREATE TABLE blobs (
	namespace  TEXT NOT NULL,
	name       TEXT NOT NULL,
	sealed     BLOB NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (namespace, name)
) STRICT;
`,

	// 1 → 2: one_time_unused indexed every unused nonce and presignature,
	// so consuming a nonce rewrote a page of that index as well as the
	// row's page: two pages in every fsynced group commit of a signing
	// node instead of one. Only the presignature queries (count and
	// discard the unused ones of a key) need an index of unused rows; a
	// nonce is always looked up by its primary key.
	`
DROP INDEX one_time_unused;
CREATE INDEX one_time_unused_presignatures ON one_time (kind, key_id)
	WHERE kind = 'presignature' AND consumed_at IS NULL;
`,
}

// SchemaVersion is the schema version this package writes.
var SchemaVersion = len(migrations)
