"""README "Accessing streams": create a stream, write records, read one shard, delete it."""

from _client import make_client

v3io_client = make_client()

# create a stream w/8 shards
v3io_client.create_stream(container='users',
                           path='/my-test-stream',
                           shard_count=8)

# write 4 records - 3 with explicitly specifying the shard and 1 using hashing
records = [
    {'shard_id': 1, 'data': 'first shard record #1'},
    {'shard_id': 1, 'data': 'first shard record #2'},
    {'shard_id': 2, 'data': 'second shard record #1'},
    {'data': 'some shard record #1'}
]

v3io_client.put_records(container='users', path='/my-test-stream', records=records)

# seek to the beginning of the shard of #1 so we know where to read from
response = v3io_client.seek_shard(container='users', path='/my-test-stream/1', seek_type='EARLIEST')

# get records from the shard (should receive 2)
response = v3io_client.get_records(container='users', path='/my-test-stream/1', location=response.output.location)  # noqa: E501

# print the records. outputs:
#
#   first shard record #1
#   first shard record #2
#
for record in response.output.records:
    print(record.data.decode('utf-8'))

# delete the stream
v3io_client.delete_stream(container='users', path='/my-test-stream')
