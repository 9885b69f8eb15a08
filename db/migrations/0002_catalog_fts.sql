-- Full-text index of the convention catalog (issue 5). Italian-friendly: diacritics folded
-- (remove_diacritics 2 so "attivita" finds "attività"), prefix indexes for partial words.
-- It stores its own copy of the text, including the aggregator, category and lot fields,
-- so triggers on every source table keep it in sync.
CREATE VIRTUAL TABLE conventions_fts USING fts5(title, summary, description, extra, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4');
--> statement-breakpoint
INSERT INTO conventions_fts (rowid, title, summary, description, extra)
SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), '')
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id;
--> statement-breakpoint
CREATE TRIGGER conventions_fts_ai AFTER INSERT ON conventions BEGIN
  DELETE FROM conventions_fts WHERE rowid = new.id;
  INSERT INTO conventions_fts (rowid, title, summary, description, extra)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), '')
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER conventions_fts_au AFTER UPDATE ON conventions BEGIN
  DELETE FROM conventions_fts WHERE rowid = old.id;
  DELETE FROM conventions_fts WHERE rowid = new.id;
  INSERT INTO conventions_fts (rowid, title, summary, description, extra)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), '')
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER conventions_fts_ad AFTER DELETE ON conventions BEGIN
  DELETE FROM conventions_fts WHERE rowid = old.id;
END;
--> statement-breakpoint
CREATE TRIGGER convention_lots_fts_ai AFTER INSERT ON convention_lots BEGIN
  DELETE FROM conventions_fts WHERE rowid = new.convention_id;
  INSERT INTO conventions_fts (rowid, title, summary, description, extra)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), '')
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = new.convention_id;
END;
--> statement-breakpoint
CREATE TRIGGER convention_lots_fts_au AFTER UPDATE ON convention_lots BEGIN
  DELETE FROM conventions_fts WHERE rowid = old.convention_id;
  INSERT INTO conventions_fts (rowid, title, summary, description, extra)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), '')
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = old.convention_id;
  DELETE FROM conventions_fts WHERE rowid = new.convention_id;
  INSERT INTO conventions_fts (rowid, title, summary, description, extra)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), '')
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = new.convention_id;
END;
--> statement-breakpoint
CREATE TRIGGER convention_lots_fts_ad AFTER DELETE ON convention_lots BEGIN
  DELETE FROM conventions_fts WHERE rowid = old.convention_id;
  INSERT INTO conventions_fts (rowid, title, summary, description, extra)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), '')
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.id = old.convention_id;
END;
--> statement-breakpoint
CREATE TRIGGER aggregators_fts_au AFTER UPDATE OF name, short_name ON aggregators BEGIN
  DELETE FROM conventions_fts WHERE rowid IN (SELECT id FROM conventions WHERE aggregator_id = new.id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), '')
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.aggregator_id = new.id;
END;
--> statement-breakpoint
CREATE TRIGGER categories_fts_au AFTER UPDATE OF name ON categories BEGIN
  DELETE FROM conventions_fts WHERE rowid IN (SELECT id FROM conventions WHERE category_id = new.id);
  INSERT INTO conventions_fts (rowid, title, summary, description, extra)
  SELECT c.id, c.title, c.summary, c.description,
    a.name || ' ' || a.short_name || ' ' || k.name || ' ' || coalesce(c.cig, '') || ' ' ||
    coalesce((SELECT group_concat(l.name || ' ' || l.region || ' ' || l.territory || ' ' || coalesce(l.supplier, ''), ' ')
              FROM convention_lots l WHERE l.convention_id = c.id), '')
  FROM conventions c
  JOIN aggregators a ON a.id = c.aggregator_id
  JOIN categories k ON k.id = c.category_id
  WHERE c.category_id = new.id;
END;
