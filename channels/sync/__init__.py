"""Channel sync: a durable outbox that pushes every available-quantity change to every channel.

- `outbox.outbox_record` (called from inventory.events.availability_changed, inside the
  stock change's transaction) writes one OutboxEntry per (listing channel, SKU) and, after commit,
  enqueues `channels.tasks.sync_channel_task` for each channel.
- `deliver.channel_deliver` takes the channel's lease, claims the pending entries, reads the
  *current* availability, bumps each listing's version and pushes it through the channel's
  connector, `items_per_call` items at a time, recording what the storefront took in short
  transactions that also renew the lease (no transaction is held open across an HTTP call).
  At-least-once: an entry is deleted only after its item was acknowledged. A task pushes within
  a time budget and hands the rest to a fresh task.
- `outbox.outbox_queue_listings` queues a channel's listings when what it should show changed
  without a stock change (a new listing, another buffer or warehouse list, switched on).
- A Schedule (migration 0003) runs `channels.tasks.sync_sweep_task` every minute for whatever a lost
  task left and for channels whose retry backoff is due.
"""
