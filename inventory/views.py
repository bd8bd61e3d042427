from django.contrib.auth.decorators import login_required
from django.http import HttpResponse


@login_required
def dashboard(request):
    return HttpResponse("IMS")


@login_required
def stock_search(request):
    return HttpResponse("stock")


@login_required
def sku_detail(request, code):
    return HttpResponse(code)
