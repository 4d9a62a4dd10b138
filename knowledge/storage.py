from django.core.files.storage import FileSystemStorage


class RetainingFileSystemStorage(FileSystemStorage):
    """Media storage that never deletes.

    Wagtail deletes a document's old file when it is replaced and the file of a deleted
    document; both must survive here because document versions and the trash still point at
    them (nothing a user saved may vanish).
    """

    def delete(self, name):
        return None


def retaining_storage():
    return RetainingFileSystemStorage()
