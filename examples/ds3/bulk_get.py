"""Bulk get with the 1.x API: start a GET job, ask which chunks are ready (sleeping
``retryAfter`` when none is), and fetch every blob of each new chunk.

Needs DS3_ENDPOINT, DS3_ACCESS_KEY and DS3_SECRET_KEY and the README's four text files in
the current directory (``make_sample_files.py``). The files are uploaded first with the
modern client's ``put_files`` (one parallel bulk PUT in the native engine), then
downloaded into ``downloads/`` and compared.
"""

import filecmp
import os
import time

import ds3 as ds3_modern
from ds3 import ds3

bucketName = "bulkGetBucket"
fileList = ["beowulf.txt", "sherlock_holmes.txt", "tale_of_two_cities.txt", "ulysses.txt"]

client = ds3.createClientFromEnv()
client.putBucket(bucketName)

# upload with the engine (small blobs so that objects span several blobs)
modern = ds3_modern.Client(os.environ["DS3_ENDPOINT"], os.environ["DS3_ACCESS_KEY"],
                           os.environ["DS3_SECRET_KEY"])
modern.put_files(bucketName, fileList, max_upload_size=64 * 1024)

os.makedirs("downloads", exist_ok=True)
bulkResult = client.getBulk(bucketName, fileList)
done = set()
while len(done) < len(bulkResult.chunks):
    available = client.getAvailableChunks(bulkResult.jobId)
    chunks = available.bulkPlan.chunks
    if not chunks:
        time.sleep(available.retryAfter)
        continue
    for chunk in chunks:
        if chunk.chunkId in done:
            continue
        for obj in chunk.objects:
            client.getObject(bucketName, obj.name, obj.offset, bulkResult.jobId,
                             os.path.join("downloads", obj.name))
        done.add(chunk.chunkId)

for name in fileList:
    same = filecmp.cmp(name, os.path.join("downloads", name), shallow=False)
    print(name, "ok" if same else "DIFFERENT")
    assert same

for obj in client.getBucket(bucketName).objects:
    client.deleteObject(bucketName, obj.name)
client.deleteBucket(bucketName)
modern.close()
