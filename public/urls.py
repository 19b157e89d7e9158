from django.urls import path

from . import views

app_name = "cases_public"

urlpatterns = [
    path("public/cases/", views.case_list, name="list"),
    path("public/map/", views.case_map, name="map"),
    path("public/cases.geojson", views.case_points, name="points"),
    path("public/nearby.json", views.nearby, name="nearby"),
    path("public/cases/<str:number>/", views.case_detail, name="detail"),
    path("public/cases/<str:number>/me-too/", views.me_too, name="me_too"),
    path("public/cases/<str:number>/follow/", views.follow, name="follow"),
    path("public/follow-area/", views.follow_area, name="follow_area"),
    path("public/unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("public/feed/<str:code>/", views.AreaFeed(), name="feed"),
]
urlpatterns += [
    path("public/cases/<str:number>/moderate/", views.moderate, name="moderate"),
]
