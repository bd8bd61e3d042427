"""Channel sync: a durable outbox that pushes every available-quantity change to every channel.

- `outbox.outbox_record` (called from inventory.services.events.availability_changed, inside the
  stock change's transaction) writes one OutboxEntry per (listing channel, SKU) and, after commit,
  enqueues `channels.tasks.sync_channel` for each channel.
- `deliver.channel_deliver` takes the channel's lease, claims every pending entry, reads the
  *current* availability, bumps each listing's version, pushes one batch through the channel's
  connector, and records the result in a second short transaction (no transaction is held open
  across the HTTP call). At-least-once: entries are deleted only after a 2xx.
- A Schedule (migration 0003) runs `channels.tasks.sync_sweep` every minute for whatever a lost
  task left and for channels whose retry backoff is due.
"""
