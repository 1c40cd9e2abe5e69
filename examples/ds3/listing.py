"""Listing a bucket with the 1.x API: prefixes, a delimiter, and pages via nextMarker.

Needs DS3_ENDPOINT, DS3_ACCESS_KEY and DS3_SECRET_KEY. A bulk PUT declares 25 empty
objects in two "folders" (objects of a job are listed as soon as the job exists; empty
ones need no data).
"""

from ds3 import ds3

bucketName = "listingBucket"
client = ds3.createClientFromEnv()
client.putBucket(bucketName)

names = [f"docs/file{i:02d}.txt" for i in range(15)] + [f"logs/day{i}.log" for i in range(10)]
client.putBulk(bucketName, [(name, 0) for name in names])

for bucket in client.getService():
    print("bucket:", bucket.name, bucket.creationDate)

top = client.getBucket(bucketName, delimiter="/")
print("folders:", top.commonPrefixes)

page = client.getBucket(bucketName, prefix="docs/", maxKeys=4)
pages = 1
print("page 1:", [obj.name for obj in page.objects])
while page.isTruncated:
    page = client.getBucket(bucketName, prefix="docs/", nextMarker=page.nextMarker, maxKeys=4)
    pages += 1
    print(f"page {pages}:", [obj.name for obj in page.objects])

for obj in client.getObjects(bucketName=bucketName, name="%day%"):
    print("search:", obj.name, obj.type)

client.deleteFolder(bucketName, "docs")
client.deleteFolder(bucketName, "logs")
client.deleteBucket(bucketName)
print("done")
