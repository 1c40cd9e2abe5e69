"""README "Creating batches": 16 writes in parallel, then wait for all of them."""

from _client import make_client

v3io_client = make_client()

# do 16 writes in parallel
for idx in range(16):

    # returns immediately
    v3io_client.batch.put_object(container='bigdata',
                                 path=f'/object{idx}',
                                 body=f'object-{idx}')

# wait for all writes to complete
responses = v3io_client.batch.wait()
print(f'batch statuses: {sorted({r.status_code for r in responses})} x {len(responses)}')

# (not in the README) several independent batches with create_batch()
reads = v3io_client.create_batch()
for idx in range(16):
    reads.get_object(container='bigdata', path=f'/object{idx}')
bodies = [r.body.decode('utf-8') for r in reads.wait()]
print(f'read back: {bodies[0]} ... {bodies[-1]}')
