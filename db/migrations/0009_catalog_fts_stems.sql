-- Italian stemming for the catalog search. SQLite cannot run the Snowball stemmer, so the index keeps two kinds
-- of columns: the raw text (as before: diacritics folded, prefix indexes) kept in sync by triggers, and the stems
-- of that text (title_stems, body_stems) that the application computes with the same stemmer it applies to the
-- query (src/catalog/fts.ts). Every trigger that rewrites a row of the index empties its stems and lists the row in
-- catalog_search_stale; refreshSearchStems() (run right after the migrations, and before a text search whenever
-- rows are listed) stems them and empties the list. This migration rebuilds the whole index and lists every row,
-- so the migration run ends with every row stemmed. The aggregator/lot column now also holds the Italian labels of
-- the category's CPV codes ("Servizi di guardia", "Computer portatili"), as buyers search by them.
-- The helper tables are not named conventions_fts_*: that prefix marks the index's own shadow tables, which
-- backups do not recreate.
DROP TRIGGER IF EXISTS conventions_fts_ai;
--> statement-breakpoint
DROP TRIGGER IF EXISTS conventions_fts_au;
--> statement-breakpoint
DROP TRIGGER IF EXISTS conventions_fts_ad;
--> statement-breakpoint
DROP TRIGGER IF EXISTS convention_lots_fts_ai;
--> statement-breakpoint
DROP TRIGGER IF EXISTS convention_lots_fts_au;
--> statement-breakpoint
DROP TRIGGER IF EXISTS convention_lots_fts_ad;
--> statement-breakpoint
DROP TRIGGER IF EXISTS aggregators_fts_au;
--> statement-breakpoint
DROP TRIGGER IF EXISTS categories_fts_au;
--> statement-breakpoint
DROP TABLE IF EXISTS conventions_fts;
--> statement-breakpoint
CREATE VIRTUAL TABLE conventions_fts USING fts5(title, summary, description, extra, title_stems, body_stems, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4');
--> statement-breakpoint
-- The index's own vocabulary, per column: the "Forse cercavi" suggestions come from it.
CREATE VIRTUAL TABLE catalog_search_vocab USING fts5vocab(conventions_fts, 'col');
--> statement-breakpoint
CREATE TABLE catalog_search_stale (id INTEGER PRIMARY KEY NOT NULL);
--> statement-breakpoint
INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
SELECT c.id, c.title, c.summary, c.description,
  a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
  coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
  coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
            FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
FROM conventions c
JOIN aggregators a ON a.id = c.aggregator_id
JOIN categories k ON k.id = c.category_id
WHERE 1 = 1;
--> statement-breakpoint
INSERT INTO catalog_search_stale (id) SELECT id FROM conventions;
--> statement-breakpoint
CREATE TRIGGER conventions_fts_ai AFTER INSERT ON conventions BEGIN
  DELETE FROM conventions_fts WHERE rowid IN (new.id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = new.id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (new.id);
END;
--> statement-breakpoint
CREATE TRIGGER conventions_fts_au AFTER UPDATE ON conventions BEGIN
  DELETE FROM conventions_fts WHERE rowid IN (old.id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = old.id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (old.id);
  DELETE FROM conventions_fts WHERE rowid IN (new.id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = new.id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (new.id);
END;
--> statement-breakpoint
CREATE TRIGGER convention_lots_fts_ai AFTER INSERT ON convention_lots BEGIN
  DELETE FROM conventions_fts WHERE rowid IN (new.convention_id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = new.convention_id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (new.convention_id);
END;
--> statement-breakpoint
CREATE TRIGGER convention_lots_fts_au AFTER UPDATE ON convention_lots BEGIN
  DELETE FROM conventions_fts WHERE rowid IN (old.convention_id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = old.convention_id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (old.convention_id);
  DELETE FROM conventions_fts WHERE rowid IN (new.convention_id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = new.convention_id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (new.convention_id);
END;
--> statement-breakpoint
CREATE TRIGGER convention_lots_fts_ad AFTER DELETE ON convention_lots BEGIN
  DELETE FROM conventions_fts WHERE rowid IN (old.convention_id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = old.convention_id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (old.convention_id);
END;
--> statement-breakpoint
CREATE TRIGGER aggregators_fts_au AFTER UPDATE OF name, short_name ON aggregators BEGIN
  DELETE FROM conventions_fts WHERE rowid IN (SELECT id FROM conventions WHERE aggregator_id = new.id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.aggregator_id = new.id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (SELECT id FROM conventions WHERE aggregator_id = new.id);
END;
--> statement-breakpoint
CREATE TRIGGER categories_fts_au AFTER UPDATE OF name ON categories BEGIN
  DELETE FROM conventions_fts WHERE rowid IN (SELECT id FROM conventions WHERE category_id = new.id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.category_id = new.id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (SELECT id FROM conventions WHERE category_id = new.id);
END;
--> statement-breakpoint
CREATE TRIGGER category_cpv_codes_fts_ai AFTER INSERT ON category_cpv_codes BEGIN
  DELETE FROM conventions_fts WHERE rowid IN (SELECT id FROM conventions WHERE category_id = new.category_id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.category_id = new.category_id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (SELECT id FROM conventions WHERE category_id = new.category_id);
END;
--> statement-breakpoint
CREATE TRIGGER category_cpv_codes_fts_au AFTER UPDATE ON category_cpv_codes BEGIN
  DELETE FROM conventions_fts WHERE rowid IN (SELECT id FROM conventions WHERE category_id = old.category_id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.category_id = old.category_id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (SELECT id FROM conventions WHERE category_id = old.category_id);
  DELETE FROM conventions_fts WHERE rowid IN (SELECT id FROM conventions WHERE category_id = new.category_id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.category_id = new.category_id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (SELECT id FROM conventions WHERE category_id = new.category_id);
END;
--> statement-breakpoint
CREATE TRIGGER category_cpv_codes_fts_ad AFTER DELETE ON category_cpv_codes BEGIN
  DELETE FROM conventions_fts WHERE rowid IN (SELECT id FROM conventions WHERE category_id = old.category_id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra, title_stems, body_stems)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(p.label, ' ') FROM category_cpv_codes p WHERE p.category_id = c.category_id), '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), ''), '', ''
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.category_id = old.category_id;
  INSERT OR IGNORE INTO catalog_search_stale (id) SELECT id FROM conventions WHERE id IN (SELECT id FROM conventions WHERE category_id = old.category_id);
END;
--> statement-breakpoint
CREATE TRIGGER conventions_fts_ad AFTER DELETE ON conventions BEGIN
  DELETE FROM conventions_fts WHERE rowid = old.id;
  DELETE FROM catalog_search_stale WHERE id = old.id;
END;
