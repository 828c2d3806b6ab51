-- A picture sent with a message (the dependency graph): its file name without
-- the extension and its SVG. The adapter rasterises it when it delivers, so the
-- outbox keeps the small vector form.
ALTER TABLE outbox ADD COLUMN picture_name TEXT;
ALTER TABLE outbox ADD COLUMN picture_svg TEXT;
