"""The bulk-put example of the original ds3_python_sdk README, run as written
(Python 3 ``print()`` aside).

Needs DS3_ENDPOINT, DS3_ACCESS_KEY and DS3_SECRET_KEY (``storewire serve --env-file``
writes them) and the four text files in the current directory (``make_sample_files.py``
creates them).
"""
# ruff: noqa: ANN001, ANN201, I001 - the README's code, unchanged

from ds3 import ds3
import os

client = ds3.createClientFromEnv()

bucketName = "testBucket"

# make sure the bucket that we will be sending objects to exists
client.putBucket(bucketName)

# create your list of objects that will be sent to DS3
# this example assumes that these files exist on the file system

fileList = ["beowulf.txt", "sherlock_holmes.txt", "tale_of_two_cities.txt", "ulysses.txt"]

# this method is used to get the size of the files
def getSize(fileName):
    size = os.stat(fileName).st_size
    return (fileName, size)

# get the sizes for each file
fileList = map(getSize, fileList)

# submit the put bulk request to DS3
bulkResult = client.putBulk(bucketName, fileList)

# the bulk request will split the files over several chunks if it needs to
# we need have to iterate over the chunks, ask the server for spacd to send
# the chunk, then send all the objects returned in the chunk
for chunk in bulkResult.chunks:
    allocateChunk = client.allocateChunk(chunk.chunkId)
    for obj in allocateChunk.chunk.objects:
        client.putObject(bucketName, obj.name, obj.offset, obj.length, bulkResult.jobId)

# we now verify that all our objects have been sent to DS3
bucketResponse = client.getBucket(bucketName)

for obj in bucketResponse.objects:
    print(obj.name)

# delete the bucket by first deleting all the objects, and then deleting the bucket
for obj in bucketResponse.objects:
    client.deleteObject(bucketName, obj.name)

client.deleteBucket(bucketName)
